import { ConfigError } from '@celeriac/core';
import { afterEach, describe, expect, it } from 'vitest';
import { closeApps, deferred, makeApp, quietWindow, waitForStats } from './helpers.ts';

afterEach(closeApps);

describe('warm shutdown', () => {
  it('close() waits for a running task to finish; the task ends in SUCCESS and close resolves after it', async () => {
    const app = makeApp();
    const order: string[] = [];
    const started = deferred();
    const gate = deferred();
    const slow = app.task('slow', async () => {
      started.resolve();
      await gate.promise;
      order.push('task finished');
      return 'finished';
    });
    const worker = app.worker({ concurrency: 1 });
    await worker.start();
    const result = await slow.delay();
    await started.promise;

    let closed = false;
    const closing = worker.close().then(() => {
      closed = true;
      order.push('close resolved');
    });
    // Negative check: close must still be waiting for the running task.
    await quietWindow(100);
    expect(closed).toBe(false);

    gate.resolve();
    await closing;

    expect(order).toEqual(['task finished', 'close resolved']);
    expect(await result.state()).toBe('SUCCESS');
    expect(await result.get({ timeout: 1_000 })).toBe('finished');
    expect(await (await app.broker()).stats('default')).toMatchObject({ ready: 0, unacked: 0 });
  });

  it('a closing worker takes no new task: what is queued stays in the broker', async () => {
    const app = makeApp();
    const started = deferred();
    const gate = deferred();
    const slow = app.task('slow.queue', async (n: number) => {
      started.resolve();
      await gate.promise;
      return n;
    });
    const worker = app.worker({ concurrency: 1 });
    await worker.start();
    const first = await slow.delay(1);
    await started.promise;
    await slow.delay(2);
    await slow.delay(3);

    const closing = worker.close();
    gate.resolve();
    await closing;

    expect(await first.get({ timeout: 1_000 })).toBe(1);
    expect(await (await app.broker()).stats('default')).toMatchObject({ ready: 2, unacked: 0 });
  });

  it('close({ timeout }) requeues an acksLate task that is still running', async () => {
    const app = makeApp();
    const started = deferred();
    const gate = deferred();
    let aborted: unknown;
    const stuck = app.task(
      'stuck',
      async (ctx) => {
        ctx.signal.addEventListener('abort', () => {
          aborted = ctx.signal.reason;
        });
        started.resolve();
        await gate.promise;
        return null;
      },
      { bind: true },
    );
    const worker = app.worker({ concurrency: 1 });
    await worker.start();
    await stuck.delay();
    await started.promise;
    expect(await (await app.broker()).stats('default')).toMatchObject({ ready: 0, unacked: 1 });

    const before = Date.now();
    await worker.close({ timeout: 100 });

    expect(Date.now() - before).toBeGreaterThanOrEqual(90);
    expect(await (await app.broker()).stats('default')).toMatchObject({ ready: 1, unacked: 0 });
    expect((aborted as Error | undefined)?.name).toBe('WorkerShutdown');
    gate.resolve();
  });

  it('the requeued task is run by the next worker, marked redelivered', async () => {
    const app = makeApp();
    const started = deferred();
    const gate = deferred();
    const runs: boolean[] = [];
    const stuck = app.task(
      'stuck.redeliver',
      async (ctx) => {
        runs.push(ctx.redelivered);
        if (runs.length === 1) {
          started.resolve();
          await gate.promise;
        }
        return runs.length;
      },
      { bind: true },
    );
    const first = app.worker({ concurrency: 1 });
    await first.start();
    const result = await stuck.delay();
    await started.promise;
    await first.close({ timeout: 50 });

    await app.worker({ concurrency: 1 }).start();

    await waitForStats(app, 'default', { ready: 0, unacked: 0 });
    expect(runs).toEqual([false, true]);
    expect(await result.get({ timeout: 5_000 })).toBe(2);
    gate.resolve();
  });

  it('close({ force: true }) aborts a running task and requeues it at once', async () => {
    const { app, worker, aborted, never } = await workerWithStuckTask();

    const before = Date.now();
    await worker.close({ force: true });

    expect(Date.now() - before).toBeLessThan(1_000);
    expect(aborted()).toBe('WorkerShutdown');
    expect(await (await app.broker()).stats('default')).toMatchObject({ ready: 1, unacked: 0 });
    never.resolve();
  });

  it('close({ force: true }) during a warm close cuts the wait short', async () => {
    const { app, worker, aborted, never } = await workerWithStuckTask();
    const warm = worker.close({ timeout: 3_000 });
    // Let the warm close get under way (it is now waiting for the running task).
    await quietWindow(20);

    const before = Date.now();
    await worker.close({ force: true });
    const forcedAfter = Date.now() - before;
    await warm;

    expect(forcedAfter).toBeLessThan(1_000);
    expect(aborted()).toBe('WorkerShutdown');
    expect(await (await app.broker()).stats('default')).toMatchObject({ ready: 1, unacked: 0 });
    never.resolve();
  });

  it('a closed worker cannot be started again, and a closed app makes no workers', async () => {
    const app = makeApp();
    const worker = app.worker({ concurrency: 1 });
    await worker.start();
    await worker.close();

    await expect(worker.start()).rejects.toThrow(ConfigError);
    await app.close();
    expect(() => app.worker()).toThrow(ConfigError);
  });
});

describe('acknowledgement timing', () => {
  it('acksLate (the default) keeps the message unacked while the task runs', async () => {
    const app = makeApp();
    const started = deferred();
    const gate = deferred();
    const late = app.task('late', async () => {
      started.resolve();
      await gate.promise;
      return null;
    });
    await app.worker({ concurrency: 1 }).start();
    const result = await late.delay();
    await started.promise;

    expect(await (await app.broker()).stats('default')).toMatchObject({ ready: 0, unacked: 1 });

    gate.resolve();
    await result.get({ timeout: 5_000 });
    await waitForStats(app, 'default', { ready: 0, unacked: 0 });
  });

  it('acksLate: false acknowledges on receipt: unacked is 0 while the task runs', async () => {
    const app = makeApp();
    const started = deferred();
    const gate = deferred();
    const early = app.task(
      'early',
      async () => {
        started.resolve();
        await gate.promise;
        return 'ok';
      },
      { acksLate: false },
    );
    await app.worker({ concurrency: 1 }).start();
    const result = await early.delay();
    await started.promise;

    expect(await (await app.broker()).stats('default')).toMatchObject({ ready: 0, unacked: 0 });

    gate.resolve();
    expect(await result.get({ timeout: 5_000 })).toBe('ok');
  });

  it('acksLate: false is not requeued when the worker closes before it finishes (at most once)', async () => {
    const app = makeApp();
    const started = deferred();
    const gate = deferred();
    const once = app.task(
      'once',
      async () => {
        started.resolve();
        await gate.promise;
        return null;
      },
      { acksLate: false },
    );
    const worker = app.worker({ concurrency: 1 });
    await worker.start();
    await once.delay();
    await started.promise;

    await worker.close({ timeout: 50 });

    expect(await (await app.broker()).stats('default')).toMatchObject({ ready: 0, unacked: 0 });
    gate.resolve();
  });
});

/** A started concurrency-1 worker running one task that ignores its abort signal and never ends by itself. */
async function workerWithStuckTask() {
  const app = makeApp();
  const started = deferred();
  const never = deferred();
  let reason: unknown;
  const stuck = app.task(
    'stuck.force',
    async (ctx) => {
      ctx.signal.addEventListener('abort', () => {
        reason = ctx.signal.reason;
      });
      started.resolve();
      await never.promise;
      return null;
    },
    { bind: true },
  );
  const worker = app.worker({ concurrency: 1 });
  await worker.start();
  await stuck.delay();
  await started.promise;
  return { app, worker, never, aborted: () => (reason as Error | undefined)?.name };
}
