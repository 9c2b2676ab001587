import { TaskRevokedError } from '@celeriac/core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { LocalHashEmbedder } from '../src/index.ts';
import { closeApps, removeTempDirs, waitFor } from './helpers.ts';
import { type Harness, startPipeline } from './pipeline-harness.ts';

afterEach(closeApps);
afterAll(removeTempDirs);

/** One chunk per embedding call and 150 ms per call: the handbook's embed stage takes seconds. */
const slowEmbedder = () => new LocalHashEmbedder({ batchSize: 1, batchDelayMs: 150 });

function reachedEmbedding(h: Harness, taskId: string): boolean {
  return h.progressOf(taskId).some((meta) => meta.stage === 'embed' && meta.message.startsWith('Embedded batch 2'));
}

describe('documents.retry cancels a running attempt before starting anew', () => {
  it('the retry task revokes the attempt mid-embedding; the store ends with exactly the new attempt’s chunks', async () => {
    const h = await startPipeline({ embedder: slowEmbedder(), concurrency: 2 });
    const upload = await h.upload('employee-handbook.md');
    const first = await h.pipeline.start(upload.id);
    await waitFor(() => reachedEmbedding(h, first.result.id), { message: 'first attempt embedding', timeout: 15_000 });

    const retried = await (await h.pipeline.tasks.retry.delay(upload.id)).get({ timeout: 10_000 });
    expect(retried).toMatchObject({ uploadId: upload.id, revoked: first.result.id });
    expect(retried.taskId).not.toBe(first.result.id);

    await expect(first.result.get({ timeout: 10_000 })).rejects.toBeInstanceOf(TaskRevokedError);
    expect(await first.result.state()).toBe('REVOKED');
    const second = h.app.result<{ chunks: number; attempt: string }>(retried.taskId);
    const done = await second.get({ timeout: 30_000 });
    expect(done.attempt).toBe(retried.taskId);

    const stored = await h.vectorStore.chunks(upload.id);
    expect(stored).toHaveLength(done.chunks);
    expect(new Set(stored.map((chunk) => chunk.attempt))).toEqual(new Set([retried.taskId]));
    expect(stored.map((chunk) => chunk.chunkIndex)).toEqual(stored.map((_, i) => i));
    // The revoked attempt stopped at its next check: it never reached the store stage.
    const firstStages = new Set(h.progressOf(first.result.id).map((meta) => meta.stage));
    expect(firstStages.has('store')).toBe(false);
    expect((await h.storage.meta(upload.id))?.attempt?.taskId).toBe(retried.taskId);
  });

  it('pipeline.restart does the same from the producer, even when every worker slot is busy', async () => {
    const h = await startPipeline({ embedder: slowEmbedder(), concurrency: 1 });
    const upload = await h.upload('employee-handbook.md');
    const first = await h.pipeline.start(upload.id);
    await waitFor(() => reachedEmbedding(h, first.result.id), { message: 'first attempt embedding', timeout: 15_000 });

    const restarted = await h.pipeline.restart(upload.id);
    expect(restarted.revoked).toBe(first.result.id);
    await expect(first.result.get({ timeout: 10_000 })).rejects.toBeInstanceOf(TaskRevokedError);
    const done = await restarted.result.get({ timeout: 30_000 });
    const stored = await h.vectorStore.chunks(upload.id);
    expect(stored).toHaveLength(done.chunks);
    expect(new Set(stored.map((chunk) => chunk.attempt))).toEqual(new Set([restarted.result.id]));
  });

  it('retrying a finished upload revokes nothing and replaces its chunks with the new attempt’s', async () => {
    const h = await startPipeline();
    const upload = await h.upload('remote-work.docx');
    const first = await h.pipeline.start(upload.id);
    await first.result.get({ timeout: 10_000 });
    const again = await h.pipeline.restart(upload.id);
    expect(again.revoked).toBeNull();
    await again.result.get({ timeout: 10_000 });
    const stored = await h.vectorStore.chunks(upload.id);
    expect(new Set(stored.map((chunk) => chunk.attempt))).toEqual(new Set([again.result.id]));
  });

  it('an attempt that is no longer current stores nothing (superseded), even when not revoked', async () => {
    const h = await startPipeline({ embedder: slowEmbedder(), concurrency: 2 });
    const upload = await h.upload('employee-handbook.md');
    const first = await h.pipeline.start(upload.id);
    await waitFor(() => reachedEmbedding(h, first.result.id), { message: 'first attempt embedding', timeout: 15_000 });
    // Someone else took the upload over without revoking this attempt.
    await h.storage.setAttempt(upload.id, 'another-attempt');
    const error = await first.result.get({ timeout: 30_000 }).catch((thrown: unknown) => thrown);
    expect((error as Error).message).toMatch(
      /AttemptSupersededError: \[store\] Upload ".*" is now processed by task another-attempt/,
    );
    expect(await h.vectorStore.chunks(upload.id)).toEqual([]);
  });
});
