import { describe, expect, it } from 'vitest';
import { SoftTimeLimitExceeded, TaskFailedError } from '../../errors/index.ts';
import { uniqueQueue } from '../helpers/unique-queue.ts';
import type { WorkerSuiteContext } from './context.ts';
import { deferred } from './fixtures.ts';

/** softTimeLimit aborts ctx.signal with a catchable reason; timeLimit fails the task. */
export function timeLimitTests(ctx: WorkerSuiteContext): void {
  describe('time limits', () => {
    it('a task that catches SoftTimeLimitExceeded from ctx.signal finishes normally: SUCCESS', async () => {
      const queue = uniqueQueue('soft-limit');
      const app = await ctx.app('worker');
      const softTimeLimit = ctx.seconds(0.2);
      const tidy = app.task(
        'wc.limits.soft',
        async (task) => {
          const startedAt = Date.now();
          try {
            await new Promise<void>((_resolve, reject) => {
              task.signal.addEventListener('abort', () => reject(task.signal.reason), { once: true });
            });
            return { cleanedUp: false, reason: 'none', after: 0 };
          } catch (error) {
            if (!(error instanceof SoftTimeLimitExceeded)) throw error;
            return { cleanedUp: true, reason: error.name, after: Date.now() - startedAt };
          }
        },
        { bind: true, queue, softTimeLimit },
      );
      await app.worker({ concurrency: 1, queues: [queue], hostname: ctx.hostname('soft') }).start();

      const result = await tidy.delay();
      const value = await result.get({ timeout: ctx.ms(5_000) });

      expect(await result.state()).toBe('SUCCESS');
      expect(value).toMatchObject({ cleanedUp: true, reason: 'SoftTimeLimitExceeded' });
      expect(value.after).toBeGreaterThanOrEqual(softTimeLimit * 1000 - 20);
    });

    it('a task that runs past its hard timeLimit fails with TimeLimitExceeded, and the worker goes on', async () => {
      const queue = uniqueQueue('hard-limit');
      const app = await ctx.app('worker');
      const never = deferred();
      const deaf = app.task(
        'wc.limits.hard',
        async () => {
          await never.promise; // never looks at ctx.signal
          return 'unreachable';
        },
        { queue, timeLimit: ctx.seconds(0.3) },
      );
      const next = app.task('wc.limits.next', (n: number) => n + 1, { queue });
      await app.worker({ concurrency: 1, queues: [queue], hostname: ctx.hostname('hard') }).start();

      try {
        const hung = await deaf.delay();
        const after = await next.delay(41);
        const error = await hung.get({ timeout: ctx.ms(5_000) }).catch((thrown: unknown) => thrown);

        expect(error).toBeInstanceOf(TaskFailedError);
        expect((error as TaskFailedError).remote.name).toBe('TimeLimitExceeded');
        expect(await hung.state()).toBe('FAILURE');
        // The only slot was held by the hung handler: the next task runs because the limit freed it.
        expect(await after.get({ timeout: ctx.ms(5_000) })).toBe(42);
      } finally {
        never.resolve();
      }
    });
  });
}
