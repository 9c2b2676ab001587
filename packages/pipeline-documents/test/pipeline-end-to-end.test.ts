import type { TaskFailedError } from '@celeriac/core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type ProcessStage, STAGE_RANGES } from '../src/index.ts';
import { closeApps, removeTempDirs, waitFor } from './helpers.ts';
import { startPipeline } from './pipeline-harness.ts';

afterEach(closeApps);
afterAll(removeTempDirs);

describe('documents.process end to end on the memory broker', () => {
  it('processes the PDF with increasing progress through every stage, then chat.answer cites it', async () => {
    const h = await startPipeline();
    const pdf = await h.upload('travel-policy.pdf');
    const docx = await h.upload('remote-work.docx');
    const handbook = await h.upload('employee-handbook.md');

    const started = await h.pipeline.start(pdf.id);
    expect(started.revoked).toBeNull();
    expect((await h.storage.meta(pdf.id))?.attempt?.taskId).toBe(started.result.id);
    const others = await Promise.all([docx.id, handbook.id].map((id) => h.pipeline.tasks.process.delay(id)));

    const result = await started.result.get({ timeout: 20_000 });
    expect(result).toMatchObject({
      uploadId: pdf.id,
      filename: 'travel-policy.pdf',
      format: 'pdf',
      pages: 3,
      model: 'local-hash-v1:512',
      attempt: started.result.id,
    });
    expect(result.chunks).toBeGreaterThanOrEqual(4);
    expect(Object.keys(result.timings)).toEqual(['load', 'extract', 'chunk', 'embed', 'store']);
    expect(await started.result.state()).toBe('SUCCESS');

    // Progress: every stage named, in order, 0–100 and never decreasing, ending at 100.
    const progress = await waitFor(() => {
      const seen = h.progressOf(started.result.id);
      return seen.at(-1)?.stage === 'done' ? seen : undefined;
    });
    expect(progress.every((meta) => meta.uploadId === pdf.id && typeof meta.message === 'string')).toBe(true);
    const stages = [...new Set(progress.map((meta) => meta.stage))];
    expect(stages).toEqual(['load', 'extract', 'chunk', 'embed', 'store', 'done']);
    const values = progress.map((meta) => meta.progress);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(values[0]).toBe(0);
    expect(values.at(-1)).toBe(100);
    expect(new Set(values).size).toBeGreaterThanOrEqual(6);
    for (const meta of progress) {
      const [from, to] = STAGE_RANGES[meta.stage as ProcessStage];
      expect(meta.progress).toBeGreaterThanOrEqual(from);
      expect(meta.progress).toBeLessThanOrEqual(to);
    }
    expect(progress.filter((meta) => meta.stage === 'extract').map((meta) => meta.message)).toContain(
      'Extracted page 2 of 3',
    );

    for (const other of others) expect(await other.get({ timeout: 20_000 })).toMatchObject({ attempt: other.id });
    const stored = await h.vectorStore.chunks(pdf.id);
    expect(stored).toHaveLength(result.chunks);
    expect(new Set(stored.map((chunk) => chunk.attempt))).toEqual(new Set([started.result.id]));
    expect(stored.map((chunk) => chunk.page)).toContain(3);

    // Across all three documents, the answer comes from the right one.
    const asked = await h.pipeline.tasks.answer.delay(
      'session-1',
      'What is the daily meal allowance for domestic travel?',
    );
    const answer = await asked.get({ timeout: 10_000 });
    expect(answer.mode).toBe('extractive');
    expect(answer.sources[0]).toMatchObject({ upload_id: pdf.id, filename: 'travel-policy.pdf' });
    expect(answer.sources[0]?.text).toContain('The daily meal allowance for domestic travel is 45 euros.');
    expect(answer.answer).toMatch(/^The daily meal allowance for domestic travel is 45 euros\. \[1\]/);
    const docxAnswer = await (
      await h.pipeline.tasks.answer.delay('session-1', 'Until when must remote employees be reachable? Core hours?')
    ).get({ timeout: 10_000 });
    expect(docxAnswer.sources[0]).toMatchObject({ upload_id: docx.id, filename: 'remote-work.docx' });
    expect(docxAnswer.answer).toContain('between 10:00 and 15:00');

    // Restricted to other uploads, the PDF is never cited.
    const restricted = await (
      await h.pipeline.tasks.answer.delay('session-2', 'What is the daily meal allowance?', [handbook.id, docx.id])
    ).get({ timeout: 10_000 });
    expect(restricted.sources.every((source) => source.upload_id !== pdf.id)).toBe(true);

    // The session keeps the history.
    const session = await h.storage.sessions.get('session-1');
    expect(session?.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(session?.messages[1]?.sources?.[0]?.upload_id).toBe(pdf.id);
  });

  it('chat.answer without documents says so; an empty question or a bad session id fails clearly', async () => {
    const h = await startPipeline();
    const nothing = await (await h.pipeline.tasks.answer.delay('s-empty', 'Anything about travel?')).get({
      timeout: 5_000,
    });
    expect(nothing).toMatchObject({ sources: [], mode: 'extractive', model: null });
    expect(nothing.answer).toBe('I found nothing in the uploaded documents that matches this question.');
    const blank = await (await h.pipeline.tasks.answer.delay('s-empty', '   ')).get({ timeout: 5_000 }).catch((e) => e);
    expect((blank as TaskFailedError).remote.message).toBe(
      '[retrieve] The question is empty. What to do: send a question with some words in it.',
    );
    const badId = await (await h.pipeline.tasks.answer.delay('../../etc', 'hi'))
      .get({ timeout: 5_000 })
      .catch((e) => e);
    expect((badId as TaskFailedError).remote.name).toBe('InvalidIdError');
    expect((await h.storage.sessions.get('s-empty'))?.messages).toHaveLength(2);
  });

  it('cleanup.oldSessions removes sessions idle for longer than the age, and keeps the others', async () => {
    const h = await startPipeline();
    await h.storage.sessions.append('stale', [{ role: 'user', content: 'hi', at: '2021-05-01T00:00:00.000Z' }]);
    await h.storage.sessions.append('fresh', [{ role: 'user', content: 'hi', at: new Date().toISOString() }]);
    const byDefault = await (await h.pipeline.tasks.cleanup.delay()).get({ timeout: 5_000 });
    expect(byDefault.removed).toEqual(['stale']);
    expect(Date.parse(byDefault.cutoff)).toBeLessThan(Date.now() - 6 * 24 * 3600 * 1000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const tight = await (await h.pipeline.tasks.cleanup.delay(0.001)).get({ timeout: 5_000 });
    expect(tight.removed).toEqual(['fresh']);
  });
});
