import { TaskFailedError } from '@celeriac/core';
import { afterEach, describe, expect, it } from 'vitest';
import { closeApps, deferred, makeApp, uniqueMemoryUrl } from './helpers.ts';

afterEach(closeApps);

describe('time limits', () => {
  it('the hard limit fails the task with TimeLimitExceeded and frees the worker for the next task', async () => {
    const app = makeApp();
    const never = deferred();
    const hang = app.task(
      'hang',
      async () => {
        await never.promise;
        return 'unreachable';
      },
      { timeLimit: 0.1 },
    );
    const quick = app.task('quick', () => 'quick');
    await app.worker({ concurrency: 1 }).start();

    const hung = await hang.delay();
    const next = await quick.delay();
    const error = await hung.get({ timeout: 5_000 }).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as TaskFailedError).remote.name).toBe('TimeLimitExceeded');
    expect(await next.get({ timeout: 5_000 })).toBe('quick');
    never.resolve();
  });

  it('the soft limit aborts ctx.signal with SoftTimeLimitExceeded, which the task may catch and finish', async () => {
    const app = makeApp();
    const tidy = app.task(
      'tidy',
      async (ctx) => {
        const reason = await new Promise<unknown>((resolve) => {
          ctx.signal.addEventListener('abort', () => resolve(ctx.signal.reason));
        });
        return { cleanedUp: true, reason: (reason as Error).name };
      },
      { bind: true, softTimeLimit: 0.05 },
    );
    await app.worker({ concurrency: 1 }).start();

    expect(await (await tidy.delay()).get({ timeout: 5_000 })).toEqual({
      cleanedUp: true,
      reason: 'SoftTimeLimitExceeded',
    });
  });

  it("the worker's timeLimit applies to tasks that set none", async () => {
    const app = makeApp();
    const never = deferred();
    const hang = app.task('hang.worker.default', async () => {
      await never.promise;
      return null;
    });
    await app.worker({ concurrency: 1, timeLimit: 0.05 }).start();

    const error = await (await hang.delay()).get({ timeout: 5_000 }).catch((thrown: unknown) => thrown);

    expect((error as TaskFailedError).remote.name).toBe('TimeLimitExceeded');
    never.resolve();
  });

  it('a handler abandoned at the hard limit cannot move its final FAILURE back to PROGRESS', async () => {
    const app = makeApp();
    const gate = deferred();
    const lateWriteDone = deferred<string>();
    const stubborn = app.task(
      'stubborn',
      async (ctx) => {
        await gate.promise;
        // Runs after the worker gave up on this execution.
        await ctx.progress(90, { stage: 'too late' }).then(
          () => lateWriteDone.resolve('stored'),
          (error: unknown) => lateWriteDone.resolve(`refused: ${(error as Error).name}`),
        );
        return null;
      },
      { bind: true, timeLimit: 0.05 },
    );
    await app.worker({ concurrency: 1 }).start();
    const result = await stubborn.delay();
    await expect(result.get({ timeout: 5_000 })).rejects.toThrow(/TimeLimitExceeded/);

    gate.resolve();
    await lateWriteDone.promise;

    expect(await result.state()).toBe('FAILURE');
    expect(await result.ready()).toBe(true);
  });

  it("the caller's limits (the message's timelimit header, as Celery sends it) win over the worker's task options", async () => {
    const broker = uniqueMemoryUrl('limits');
    // The caller's view of the task sets a hard limit; the worker's registration sets none.
    const caller = makeApp({ broker });
    const capped = caller.task('capped', async (): Promise<string> => 'never run here', { timeLimit: 0.1 });
    const worker = makeApp({ broker });
    const never = deferred();
    worker.task('capped', async () => {
      await never.promise;
      return 'unreachable';
    });
    await worker.worker({ concurrency: 1 }).start();

    const error = await (await capped.delay()).get({ timeout: 5_000 }).catch((thrown: unknown) => thrown);

    expect((error as TaskFailedError).remote.name).toBe('TimeLimitExceeded');
    never.resolve();
  });
});
