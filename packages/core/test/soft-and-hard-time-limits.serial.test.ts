import { SoftTimeLimitExceeded, TaskFailedError, type TaskFailedEvent } from '@celeriac/core';
import { afterEach, describe, expect, it } from 'vitest';
import { closeApps, deferred, makeApp, recordEvents, waitFor } from './helpers.ts';

// Timing-sensitive: limits are checked against the wall clock, so this file runs in the serial project.

afterEach(closeApps);

/** Resolves with `signal.reason` once the signal aborts. */
function aborted(signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(signal.reason);
    else signal.addEventListener('abort', () => resolve(signal.reason), { once: true });
  });
}

describe('soft time limit', () => {
  it('a task that catches SoftTimeLimitExceeded from ctx.signal finishes normally: SUCCESS with its result', async () => {
    const app = makeApp();
    let startedAt = 0;
    const tidy = app.task(
      'limits.soft.caught',
      async (ctx) => {
        startedAt = Date.now();
        try {
          // Long work that honours its signal.
          await new Promise<void>((_resolve, reject) => {
            ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
          });
          return 'finished the work';
        } catch (error) {
          if (!(error instanceof SoftTimeLimitExceeded)) throw error;
          return { cleanedUp: true, reason: error.name, after: Date.now() - startedAt };
        }
      },
      { bind: true, softTimeLimit: 0.2 },
    );
    await app.worker({ concurrency: 1 }).start();

    const result = await tidy.delay();
    const value = (await result.get({ timeout: 5_000 })) as { cleanedUp: boolean; reason: string; after: number };

    expect(await result.state()).toBe('SUCCESS');
    expect(value).toMatchObject({ cleanedUp: true, reason: 'SoftTimeLimitExceeded' });
    // The soft limit fired at its time: not early, and not seconds late.
    expect(value.after).toBeGreaterThanOrEqual(190);
    expect(value.after).toBeLessThan(1_000);
  });

  it('a task that catches the soft limit but keeps running past the hard limit still fails with TimeLimitExceeded', async () => {
    const app = makeApp();
    const never = deferred();
    const sawSoft = deferred<string>();
    const stubborn = app.task(
      'limits.soft.then.hard',
      async (ctx) => {
        sawSoft.resolve(((await aborted(ctx.signal)) as Error).name);
        await never.promise;
        return 'unreachable';
      },
      { bind: true, softTimeLimit: 0.1, timeLimit: 0.3 },
    );
    await app.worker({ concurrency: 1 }).start();

    const result = await stubborn.delay();
    const error = await result.get({ timeout: 5_000 }).catch((thrown: unknown) => thrown);

    expect(await sawSoft.promise).toBe('SoftTimeLimitExceeded');
    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as TaskFailedError).remote.name).toBe('TimeLimitExceeded');
    expect(await result.state()).toBe('FAILURE');
    never.resolve();
  });

  it("the worker's softTimeLimit applies to tasks that set none", async () => {
    const app = makeApp();
    const waits = app.task('limits.soft.worker.default', async (ctx) => ((await aborted(ctx.signal)) as Error).name, {
      bind: true,
    });
    await app.worker({ concurrency: 1, softTimeLimit: 0.1 }).start();

    expect(await (await waits.delay()).get({ timeout: 5_000 })).toBe('SoftTimeLimitExceeded');
  });
});

describe('hard time limit', () => {
  it('fails a handler that ignores its signal with TimeLimitExceeded, at the limit, and the worker goes on', async () => {
    const app = makeApp();
    const events = await recordEvents(app);
    const never = deferred();
    let startedAt = 0;
    const deaf = app.task(
      'limits.hard.ignores.signal',
      async () => {
        startedAt = Date.now();
        await never.promise; // never looks at ctx.signal
        return 'unreachable';
      },
      { timeLimit: 0.3 },
    );
    const next = app.task('limits.hard.next', (n: number) => n + 1);
    await app.worker({ concurrency: 1 }).start();

    const hung = await deaf.delay();
    const after = await next.delay(41);
    const error = await hung.get({ timeout: 5_000 }).catch((thrown: unknown) => thrown);
    const failedAfter = Date.now() - startedAt;

    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as TaskFailedError).remote).toMatchObject({ name: 'TimeLimitExceeded' });
    expect((error as TaskFailedError).remote.message).toMatch(/0\.3 s/);
    expect(failedAfter).toBeGreaterThanOrEqual(290);
    expect(failedAfter).toBeLessThan(1_500);
    // The only slot was taken by the hung handler: the next task runs because the limit freed it.
    expect(await after.get({ timeout: 5_000 })).toBe(42);
    const failed = await waitFor(() =>
      events.find((event): event is TaskFailedEvent => event.type === 'task-failed' && event.taskId === hung.id),
    );
    expect(failed.error.name).toBe('TimeLimitExceeded');
    never.resolve();
  });

  it('the hard limit aborts ctx.signal too, so a handler that listens can stop its own work', async () => {
    const app = makeApp();
    const reason = deferred<string>();
    const listens = app.task(
      'limits.hard.listens',
      async (ctx) => {
        reason.resolve(((await aborted(ctx.signal)) as Error).name);
        return 'stopped';
      },
      { bind: true, timeLimit: 0.1 },
    );
    await app.worker({ concurrency: 1 }).start();

    const result = await listens.delay();

    expect(await reason.promise).toBe('TimeLimitExceeded');
    await expect(result.get({ timeout: 5_000 })).rejects.toThrow(/TimeLimitExceeded/);
    expect(await result.state()).toBe('FAILURE');
  });

  it("the worker's timeLimit is a default: it fails tasks that set none, and a task's own limit wins", async () => {
    const app = makeApp();
    const never = deferred();
    const hang = app.task('limits.hard.worker.default', async () => {
      await never.promise;
      return null;
    });
    const patient = app.task(
      'limits.hard.own.limit',
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 400));
        return 'within my own limit';
      },
      { timeLimit: 5 },
    );
    await app.worker({ concurrency: 2, timeLimit: 0.15 }).start();

    const hung = await hang.delay();
    const own = await patient.delay();

    const error = await hung.get({ timeout: 5_000 }).catch((thrown: unknown) => thrown);
    expect((error as TaskFailedError).remote.name).toBe('TimeLimitExceeded');
    expect(await own.get({ timeout: 5_000 })).toBe('within my own limit');
    never.resolve();
  });

  it('a task that finishes within its limits is not touched by them', async () => {
    const app = makeApp();
    const quick = app.task(
      'limits.quick',
      async (ctx) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return ctx.signal.aborted;
      },
      { bind: true, softTimeLimit: 0.5, timeLimit: 1 },
    );
    await app.worker({ concurrency: 1 }).start();

    expect(await (await quick.delay()).get({ timeout: 5_000 })).toBe(false);
  });
});
