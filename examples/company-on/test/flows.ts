import { expect } from 'vitest';
import { readSse, sample, upload } from './helpers.ts';

/** Upload the sample PDF (and a DOCX distractor), stream its progress to SUCCESS, and ask about it. */
export async function expectPdfFlow(url: string): Promise<void> {
  const uploaded = await upload(url, 'travel-policy.pdf', await sample('travel-policy.pdf'));
  expect(uploaded.status).toBe(201);
  const meta = (await uploaded.json()) as { upload_id: string; filename: string; size: number };
  expect(meta.filename).toBe('travel-policy.pdf');
  expect(meta.size).toBe((await sample('travel-policy.pdf')).byteLength);

  // A distractor, so the answer has to pick the right document.
  const other = (await (await upload(url, 'remote-work.docx', await sample('remote-work.docx'))).json()) as {
    upload_id: string;
  };

  const started = await fetch(`${url}/start/${meta.upload_id}`, { method: 'POST' });
  expect(started.status).toBe(202);
  const start = (await started.json()) as { message: string; upload_id: string; task_id: string };
  expect(start.upload_id).toBe(meta.upload_id);
  expect(start.task_id).toMatch(/\S/);
  await fetch(`${url}/start/${other.upload_id}`, { method: 'POST' });

  const events = await readSse(`${url}/uploads/${meta.upload_id}/events`);
  expect(events.length).toBeGreaterThan(3);
  for (const event of events) {
    expect(event.id).toMatch(/^\d+$/);
    expect(event.data).toEqual({
      upload_id: meta.upload_id,
      task_id: start.task_id,
      state: expect.any(String),
      stage: expect.toSatisfy((s: unknown) => s === null || typeof s === 'string'),
      message: expect.any(String),
      progress: expect.any(Number),
    });
  }
  const progress = events.map((e) => e.data.progress);
  expect(progress).toEqual([...progress].sort((a, b) => a - b));
  expect(new Set(progress.filter((p) => p > 0 && p < 100)).size).toBeGreaterThan(2);
  expect(events.some((e) => e.data.state === 'PROGRESS' && e.data.stage === 'embed')).toBe(true);
  const last = events.at(-1)?.data;
  expect(last?.state).toBe('SUCCESS');
  expect(last?.progress).toBe(100);

  // Replay after the end: the same history, and Last-Event-ID skips what was seen.
  const replay = await readSse(`${url}/uploads/${meta.upload_id}/events`);
  expect(replay.map((e) => e.id)).toEqual(events.map((e) => e.id));
  const resumed = await readSse(`${url}/uploads/${meta.upload_id}/events`, {
    'last-event-id': String(events.at(-3)?.id),
  });
  expect(resumed.map((e) => e.id)).toEqual(events.slice(-2).map((e) => e.id));

  const task = (await (await fetch(`${url}/tasks/${start.task_id}`)).json()) as {
    state: string;
    result: { uploadId: string; format: string };
  };
  expect(task.state).toBe('SUCCESS');
  expect(task.result).toMatchObject({ uploadId: meta.upload_id, format: 'pdf' });

  await readSse(`${url}/uploads/${other.upload_id}/events`);
  const chat = await fetch(`${url}/chat/session-1`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ question: 'What is the daily meal allowance for domestic travel?' }),
  });
  expect(chat.status).toBe(200);
  const reply = (await chat.json()) as {
    answer: string;
    task_id: string;
    sources: { upload_id: string; filename: string; chunk_index: number; score: number; text: string }[];
  };
  expect(reply.answer).toContain('45 euros');
  expect(reply.task_id).toMatch(/\S/);
  expect(reply.sources[0]).toEqual({
    upload_id: meta.upload_id,
    filename: 'travel-policy.pdf',
    chunk_index: expect.any(Number),
    score: expect.any(Number),
    text: expect.stringContaining('45 euros'),
  });

  // upload_ids restricts the search.
  const restricted = (await (
    await fetch(`${url}/chat/session-1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question: 'What is the daily meal allowance?', upload_ids: [other.upload_id] }),
    })
  ).json()) as { sources: { upload_id: string }[] };
  expect(restricted.sources.every((s) => s.upload_id === other.upload_id)).toBe(true);
}

/** A corrupt PDF ends in a FAILURE event that gives the stage and the reason. */
export async function expectCorruptPdfFlow(url: string): Promise<void> {
  const uploaded = (await (await upload(url, 'corrupt.pdf', await sample('corrupt.pdf'))).json()) as {
    upload_id: string;
  };
  const start = (await (await fetch(`${url}/start/${uploaded.upload_id}`, { method: 'POST' })).json()) as {
    task_id: string;
  };
  const events = await readSse(`${url}/uploads/${uploaded.upload_id}/events`);
  const last = events.at(-1)?.data;
  expect(last).toMatchObject({
    upload_id: uploaded.upload_id,
    task_id: start.task_id,
    state: 'FAILURE',
    stage: 'extract',
  });
  expect(last?.message).toMatch(/^CorruptPdfError: .*corrupt\.pdf/);
  const task = (await (await fetch(`${url}/tasks/${start.task_id}`)).json()) as {
    state: string;
    error: { name: string; stage: string };
  };
  expect(task).toMatchObject({ state: 'FAILURE', error: { name: 'CorruptPdfError', stage: 'extract' } });
}
