import { randomUUID } from 'node:crypto';
import { PublishError } from '@celeriac/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { closeApps, deferred, makeApp, quietWindow, recordEvents, uniqueMemoryUrl, waitFor } from './helpers.ts';

afterEach(closeApps);

describe('deduplication by caller-chosen taskId', () => {
  it('a second applyAsync with the same taskId while queued publishes nothing and returns the same id', async () => {
    const app = makeApp();
    const job = app.task('dedup.job', (n: number) => n);
    const taskId = `job-${randomUUID()}`;

    const first = await job.applyAsync([1], { taskId });
    const second = await job.applyAsync([2], { taskId });

    expect(first.id).toBe(taskId);
    expect(second.id).toBe(taskId);
    expect(await (await app.broker()).stats('default')).toMatchObject({ ready: 1, delayed: 0 });
  });

  it('also while the task is delayed (countdown) or running', async () => {
    const app = makeApp();
    const started = deferred();
    const gate = deferred();
    const job = app.task('dedup.running', async () => {
      started.resolve();
      await gate.promise;
      return null;
    });
    const broker = await app.broker();

    const delayedId = `delayed-${randomUUID()}`;
    await job.applyAsync([], { taskId: delayedId, countdown: 30 });
    await job.applyAsync([], { taskId: delayedId, countdown: 30 });
    await job.applyAsync([], { taskId: delayedId });
    expect(await broker.stats('default')).toMatchObject({ ready: 0, delayed: 1 });
    expect(await broker.purge('default')).toBe(1);

    const runningId = `running-${randomUUID()}`;
    await job.applyAsync([], { taskId: runningId });
    await app.worker({ concurrency: 1 }).start();
    await started.promise;
    await job.applyAsync([], { taskId: runningId });
    expect(await broker.stats('default')).toMatchObject({ ready: 0, delayed: 0, unacked: 1 });
    gate.resolve();
  });

  it('enqueues once end to end: two producers racing with one taskId give one message, one run, one task-sent', async () => {
    const url = uniqueMemoryUrl('dedup-race');
    const producers = [makeApp({ broker: url }), makeApp({ broker: url })];
    const events = await recordEvents(producers[0]!);
    const workerApp = makeApp({ broker: url });
    let runs = 0;
    workerApp.task('dedup.race', (n: number) => {
      runs++;
      return n;
    });
    const taskId = `race-${randomUUID()}`;

    const results = await Promise.all(
      producers.flatMap((producer, i) => [
        producer.sendTask('dedup.race', [i], { taskId }),
        producer.sendTask('dedup.race', [i + 10], { taskId }),
      ]),
    );
    expect(results.map((result) => result.id)).toEqual([taskId, taskId, taskId, taskId]);
    expect(await (await workerApp.broker()).stats('default')).toMatchObject({ ready: 1 });

    await workerApp.worker({ concurrency: 4 }).start();
    const value = await results[3]!.get({ timeout: 5_000 });
    await quietWindow(100);

    expect(runs).toBe(1);
    expect([0, 10, 1, 11]).toContain(value);
    expect(events.filter((event) => event.type === 'task-sent' && event.taskId === taskId)).toHaveLength(1);
  });

  it('once the task has finished, the same id can be sent again and runs again', async () => {
    const app = makeApp();
    let runs = 0;
    const job = app.task('dedup.again', () => ++runs);
    await app.worker({ concurrency: 1 }).start();
    const taskId = `again-${randomUUID()}`;

    const first = await job.applyAsync([], { taskId });
    expect(await first.get({ timeout: 5_000 })).toBe(1);

    // The id is free as soon as the result is final: no waiting beyond get().
    await job.applyAsync([], { taskId });
    await waitFor(() => runs === 2, { timeout: 2_000, message: 'the re-sent task to run' });
    await waitFor(async () => (await first.get()) === 2);
  });

  it('a task that FAILED frees its id too', async () => {
    const app = makeApp();
    let runs = 0;
    const job = app.task('dedup.failing', () => {
      runs++;
      throw new Error('nope');
    });
    await app.worker({ concurrency: 1 }).start();
    const taskId = `failing-${randomUUID()}`;

    await expect((await job.applyAsync([], { taskId })).get({ timeout: 5_000 })).rejects.toThrow(/nope/);

    await job.applyAsync([], { taskId });
    await waitFor(() => runs === 2, { timeout: 2_000, message: 'the re-sent task to run' });
  });

  it('an unknown task dead-lettered with FAILURE frees its id, so a corrected send goes through', async () => {
    const app = makeApp();
    let runs = 0;
    app.task('dedup.known', () => ++runs);
    await app.worker({ concurrency: 1 }).start();
    const taskId = `typo-${randomUUID()}`;

    const typo = await app.sendTask('dedup.knwon', [], { taskId });
    await expect(typo.get({ timeout: 5_000 })).rejects.toThrow(/UnknownTaskError/);
    await waitFor(async () => (await (await app.broker()).stats('default')).dead === 1);

    await app.sendTask('dedup.known', [], { taskId });
    await waitFor(() => runs === 1, { timeout: 2_000, message: 'the corrected task to run' });
  });

  it('a publish that fails does not keep the id reserved: the next send with that id is published', async () => {
    const app = makeApp();
    const job = app.task('dedup.publish.fails', () => 'ran');
    const broker = await app.broker();
    const publish = vi.spyOn(broker, 'publish').mockRejectedValueOnce(new PublishError('broker is down'));
    const taskId = `down-${randomUUID()}`;

    await expect(job.applyAsync([], { taskId })).rejects.toThrow(PublishError);
    await job.applyAsync([], { taskId });

    expect(publish).toHaveBeenCalledTimes(2);
    expect(await broker.stats('default')).toMatchObject({ ready: 1 });
  });

  it('retries of a deduplicated task are not themselves deduplicated', async () => {
    const app = makeApp();
    const attempts: number[] = [];
    const job = app.task(
      'dedup.retry',
      (ctx) => {
        attempts.push(ctx.retries);
        if (ctx.retries < 2) ctx.retry({ countdown: 0.01 });
        return 'done';
      },
      { bind: true },
    );
    await app.worker({ concurrency: 1 }).start();

    const result = await job.applyAsync([], { taskId: `retry-${randomUUID()}` });

    expect(await result.get({ timeout: 5_000 })).toBe('done');
    expect(attempts).toEqual([0, 1, 2]);
  });
});
