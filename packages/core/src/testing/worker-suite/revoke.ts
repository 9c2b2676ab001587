import { describe, expect, it } from 'vitest';
import { TaskRevokedError } from '../../errors/index.ts';
import { uniqueQueue } from '../helpers/unique-queue.ts';
import { waitFor } from '../helpers/wait-for.ts';
import type { WorkerSuiteContext } from './context.ts';
import { deferred } from './fixtures.ts';

/** Revoke before start (a worker started later skips it) and revoke with terminate while running. */
export function revokeTests(ctx: WorkerSuiteContext): void {
  describe('revoke', () => {
    it('a task revoked before any worker exists is skipped by a worker started afterwards: REVOKED', async () => {
      const queue = uniqueQueue('revoke-later');
      const producer = await ctx.app('producer');
      const job = producer.task('wc.revoke.later', (n: number) => n, { queue });
      const revoked = await job.delay(1);
      await producer.control.revoke(revoked.id);
      await expect(revoked.get({ timeout: ctx.ms(2_000) })).rejects.toBeInstanceOf(TaskRevokedError);
      const kept = await job.delay(2);

      const workerApp = await ctx.app('worker');
      let ran = 0;
      workerApp.task(
        'wc.revoke.later',
        (n: number) => {
          ran++;
          return n * 10;
        },
        { queue },
      );
      await workerApp.worker({ concurrency: 1, queues: [queue], hostname: ctx.hostname('late-worker') }).start();

      // FIFO on one queue with concurrency 1: once the later message ran, the revoked one was seen.
      expect(await kept.get({ timeout: ctx.ms(10_000) })).toBe(20);
      expect(ran).toBe(1);
      expect(await revoked.state()).toBe('REVOKED');
      const error = await revoked.get({ timeout: ctx.ms(1_000) }).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(TaskRevokedError);
      expect((error as TaskRevokedError).taskId).toBe(revoked.id);
      const broker = await producer.broker();
      let stats = await broker.stats(queue);
      await waitFor(
        async () => {
          stats = await broker.stats(queue);
          return stats.ready === 0 && stats.unacked === 0;
        },
        { timeout: ctx.ms(5_000), message: () => `the revoked message acknowledged: ${JSON.stringify(stats)}` },
      );
      expect(stats.dead).toBe(0);
    });

    it('revoke({ terminate: true }) aborts a running task through ctx.signal: REVOKED, and the worker goes on', async () => {
      const queue = uniqueQueue('revoke-terminate');
      const app = await ctx.app('worker');
      const started = deferred();
      let reason: unknown;
      const listens = app.task(
        'wc.revoke.terminate',
        async (task) => {
          started.resolve();
          await new Promise<void>((_resolve, reject) => {
            task.signal.addEventListener('abort', () => {
              reason = task.signal.reason;
              reject(task.signal.reason);
            });
          });
          return 'unreachable';
        },
        { bind: true, queue },
      );
      const next = app.task('wc.revoke.terminate.next', () => 'next ran', { queue });
      await app.worker({ concurrency: 1, queues: [queue], hostname: ctx.hostname('terminator') }).start();
      const result = await listens.delay();
      await started.promise;

      await result.revoke({ terminate: true });

      await expect(result.get({ timeout: ctx.ms(5_000) })).rejects.toBeInstanceOf(TaskRevokedError);
      expect(await result.state()).toBe('REVOKED');
      expect((reason as Error).name).toBe('TaskRevokedError');
      expect(await (await next.delay()).get({ timeout: ctx.ms(5_000) })).toBe('next ran');
    });
  });
}
