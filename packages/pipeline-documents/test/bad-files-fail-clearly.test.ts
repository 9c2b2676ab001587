import { TaskFailedError } from '@celeriac/core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parseStageFailure } from '../src/index.ts';
import { closeApps, readSample, removeTempDirs, waitFor } from './helpers.ts';
import { startPipeline } from './pipeline-harness.ts';

afterEach(closeApps);
afterAll(removeTempDirs);

const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82]);

describe('bad files end in FAILURE with the stage and a clear reason; the worker and other uploads carry on', () => {
  it('corrupt, encrypted, empty, blank, unsupported, mislabelled, too large and missing uploads', async () => {
    const h = await startPipeline({ maxFileBytes: 50_000, concurrency: 2 });
    const cases = [
      {
        name: 'corrupt.pdf',
        error: 'CorruptPdfError',
        stage: 'extract',
        reason: /"corrupt\.pdf" is not a readable PDF/,
      },
      {
        name: 'encrypted.pdf',
        error: 'EncryptedPdfError',
        stage: 'extract',
        reason: /encrypted \(password-protected\)/,
      },
      {
        name: 'empty.txt',
        bytes: new Uint8Array(0),
        error: 'EmptyDocumentError',
        stage: 'load',
        reason: /is empty \(0 bytes\)/,
      },
      {
        name: 'blank.md',
        bytes: new TextEncoder().encode(' \n\n\t \n'),
        error: 'EmptyDocumentError',
        stage: 'extract',
        reason: /"blank\.md" contains no text/,
      },
      { name: 'photo.png', bytes: png, error: 'UnsupportedFileTypeError', stage: 'extract', reason: /is a PNG image/ },
      {
        name: 'letter.docx',
        bytes: new TextEncoder().encode('plain text named .docx'),
        error: 'CorruptDocxError',
        stage: 'extract',
        reason: /not a readable Word document/,
      },
      {
        name: 'huge.txt',
        bytes: new TextEncoder().encode('word '.repeat(12_000)),
        error: 'FileTooLargeError',
        stage: 'load',
        reason: /"huge\.txt" is 58\.6 KiB, over the limit of 48\.8 KiB/,
      },
    ];
    const good = await h.upload('employee-handbook.md');
    const sent = [];
    for (const item of cases) {
      const meta = await h.upload(item.name, item.bytes);
      sent.push({ ...item, result: (await h.pipeline.start(meta.id)).result });
    }
    const missing = await h.pipeline.tasks.process.delay('no-such-upload');
    const goodResult = await h.pipeline.tasks.process.delay(good.id);

    for (const item of sent) {
      const error = await item.result.get({ timeout: 20_000 }).catch((thrown: unknown) => thrown);
      expect(error, item.name).toBeInstanceOf(TaskFailedError);
      const remote = (error as TaskFailedError).remote;
      expect(remote.name, item.name).toBe(item.error);
      const failure = parseStageFailure(remote);
      expect(failure.stage, item.name).toBe(item.stage);
      expect(failure.reason, item.name).toMatch(item.reason);
      expect(failure.reason, item.name).toMatch(/What to do: /);
      expect(await item.result.state()).toBe('FAILURE');
      // Failures of the file are final: no retries were spent on them.
      expect(h.events.some((event) => event.type === 'task-retried' && event.taskId === item.result.id)).toBe(false);
    }
    const notFound = await missing.get({ timeout: 5_000 }).catch((thrown: unknown) => thrown);
    expect(parseStageFailure((notFound as TaskFailedError).remote)).toMatchObject({
      stage: 'load',
      name: 'UploadNotFoundError',
    });

    expect(await goodResult.get({ timeout: 20_000 })).toMatchObject({ uploadId: good.id, format: 'markdown' });
    // The worker still takes work after all of that.
    const later = await h.upload('remote-work.docx');
    expect(await (await h.pipeline.start(later.id)).result.get({ timeout: 20_000 })).toMatchObject({ format: 'docx' });
    // Nothing of the failed uploads reached the vector store.
    for (const item of sent) {
      const meta = (await h.storage.list()).find((m) => m.filename === item.name);
      expect(await h.vectorStore.chunks(meta?.id as string)).toEqual([]);
    }
    // The task-failed events carry the same reasons (what an SSE stream would show).
    await waitFor(() => h.events.filter((event) => event.type === 'task-failed').length === cases.length + 1, {
      message: 'a task-failed event per bad upload',
    });
  });

  it('an unexpected error inside a stage is a StageFailedError naming the stage', async () => {
    const h = await startPipeline({
      embedder: {
        model: 'broken',
        batchSize: 8,
        embed: async () => {
          throw new TypeError('vectors went missing');
        },
      },
    });
    const meta = await h.upload('notes.txt', await readSample('employee-handbook.md'));
    const error = await (await h.pipeline.start(meta.id)).result.get({ timeout: 10_000 }).catch((e: unknown) => e);
    expect((error as TaskFailedError).remote.name).toBe('StageFailedError');
    expect(parseStageFailure((error as TaskFailedError).remote)).toMatchObject({
      stage: 'embed',
      reason: 'TypeError: vectors went missing',
    });
  });
});
