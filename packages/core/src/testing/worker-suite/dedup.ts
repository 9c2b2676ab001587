import { describe, expect, it } from 'vitest';
import { uniqueQueue } from '../helpers/unique-queue.ts';
import type { WorkerSuiteContext } from './context.ts';
import { quietWindow } from './fixtures.ts';

/** `applyAsync(args, { taskId })` with an id already queued enqueues nothing more. */
export function dedupTests(ctx: WorkerSuiteContext): void {
  describe('deduplication by taskId', () => {
    it('two producers sending one taskId enqueue it once: one message, one run', async () => {
      const queue = uniqueQueue('dedup');
      const producers = [await ctx.app('producer-a'), await ctx.app('producer-b')];
      const taskId = uniqueQueue('dedup-task');

      const results = await Promise.all(
        producers.flatMap((producer, i) => [
          producer.sendTask('wc.dedup', [i], { taskId, queue }),
          producer.sendTask('wc.dedup', [i + 10], { taskId, queue }),
        ]),
      );
      expect(results.map((result) => result.id)).toEqual([taskId, taskId, taskId, taskId]);
      expect(await (await producers[0]!.broker()).stats(queue)).toMatchObject({ ready: 1 });

      const workerApp = await ctx.app('worker');
      let runs = 0;
      workerApp.task(
        'wc.dedup',
        (n: number) => {
          runs++;
          return n;
        },
        { queue },
      );
      await workerApp.worker({ concurrency: 4, queues: [queue], hostname: ctx.hostname('dedup') }).start();

      const value = await results[3]!.get({ timeout: ctx.ms(5_000) });
      await quietWindow(ctx.ms(200));
      expect([0, 10, 1, 11]).toContain(value);
      expect(runs).toBe(1);
    });
  });
}
