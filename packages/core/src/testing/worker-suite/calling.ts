import { describe, expect, it } from 'vitest';
import { uniqueQueue } from '../helpers/unique-queue.ts';
import type { WorkerSuiteContext } from './context.ts';

/** A task runs on a worker and its result comes back; retries with a countdown; priority. */
export function callingTests(ctx: WorkerSuiteContext): void {
  describe('calling and results', () => {
    it('a task runs on the worker and get() returns its result: SUCCESS', async () => {
      const queue = uniqueQueue('calling');
      const app = await ctx.app('worker');
      const add = app.task('wc.add', (a: number, b: number) => a + b, { queue });
      await app.worker({ concurrency: 2, queues: [queue], hostname: ctx.hostname('calling') }).start();

      const result = await add.delay(2, 3);

      expect(await result.get({ timeout: ctx.ms(5_000) })).toBe(5);
      expect(await result.state()).toBe('SUCCESS');
    });

    it('a result sent by one app is read by another on the same broker', async () => {
      const queue = uniqueQueue('calling-apps');
      const workerApp = await ctx.app('worker');
      workerApp.task('wc.upper', (text: string) => text.toUpperCase(), { queue });
      await workerApp.worker({ concurrency: 1, queues: [queue], hostname: ctx.hostname('calling') }).start();
      const producer = await ctx.app('producer');

      const result = await producer.sendTask('wc.upper', ['celeriac'], { queue });

      expect(await result.get({ timeout: ctx.ms(5_000) })).toBe('CELERIAC');
    });

    it('retry with a countdown runs again after the countdown and reaches SUCCESS', async () => {
      const queue = uniqueQueue('retry');
      const app = await ctx.app('worker');
      const attempts: number[] = [];
      const countdown = ctx.seconds(0.3);
      const flaky = app.task(
        'wc.flaky',
        (task) => {
          attempts.push(Date.now());
          if (task.retries < 2) task.retry({ countdown, error: new Error('not yet') });
          return task.retries;
        },
        { bind: true, queue },
      );
      await app.worker({ concurrency: 1, queues: [queue], hostname: ctx.hostname('retry') }).start();

      const result = await flaky.delay();

      expect(await result.get({ timeout: ctx.ms(10_000) })).toBe(2);
      expect(await result.state()).toBe('SUCCESS');
      expect(attempts).toHaveLength(3);
      // Not before the countdown (a little slack for clocks that round).
      expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(countdown * 1000 - 20);
      expect(attempts[2]! - attempts[1]!).toBeGreaterThanOrEqual(countdown * 1000 - 20);
      expect((await result.record())?.retries).toBe(2);
    });

    it('priority 9 overtakes a backlog of priority 0', async () => {
      const queue = uniqueQueue('priority');
      const app = await ctx.app('worker');
      const order: number[] = [];
      const record = app.task(
        'wc.record',
        (n: number) => {
          order.push(n);
          return n;
        },
        { queue },
      );
      const results = [];
      for (let i = 0; i < 5; i++) results.push(await record.applyAsync([i], { priority: 0 }));
      results.push(await record.applyAsync([99], { priority: 9 }));
      await app.worker({ concurrency: 1, queues: [queue], hostname: ctx.hostname('priority') }).start();

      await Promise.all(results.map((result) => result.get({ timeout: ctx.ms(10_000) })));

      expect(order).toEqual([99, 0, 1, 2, 3, 4]);
    });
  });
}
