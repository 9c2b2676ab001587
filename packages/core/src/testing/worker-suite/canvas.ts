import { describe, expect, it } from 'vitest';
import { chain } from '../../canvas/chain.ts';
import { chord } from '../../canvas/chord.ts';
import { group } from '../../canvas/group.ts';
import { uniqueQueue } from '../helpers/unique-queue.ts';
import { waitFor } from '../helpers/wait-for.ts';
import type { WorkerSuiteContext } from './context.ts';
import { deferred, quietWindow, range } from './fixtures.ts';

/**
 * Chain, group, chord and link callbacks, run by a real worker. Signatures name their queue with
 * `.set({ queue })`: a signature is sent without its task's own options (`task.s()` starts empty),
 * so the task option `queue` alone would send members to the default queue.
 */
export function canvasTests(ctx: WorkerSuiteContext): void {
  describe('canvas', () => {
    it('a chain of 3 passes each result to the next; its result is the last one', async () => {
      const queue = uniqueQueue('chain');
      const app = await ctx.app('worker');
      const calls: unknown[][] = [];
      const add = app.task(
        'wc.chain.add',
        (a: number, b: number) => {
          calls.push(['add', a, b]);
          return a + b;
        },
        { queue },
      );
      const mul = app.task(
        'wc.chain.mul',
        (a: number, b: number) => {
          calls.push(['mul', a, b]);
          return a * b;
        },
        { queue },
      );
      await app.worker({ concurrency: 2, queues: [queue], hostname: ctx.hostname('chain') }).start();

      const result = await chain(
        add.s(1, 2).set({ queue }),
        add.s(10).set({ queue }),
        mul.s(3).set({ queue }),
      ).applyAsync();

      expect(await result.get({ timeout: ctx.ms(10_000) })).toBe(39);
      expect(calls).toEqual([
        ['add', 1, 2],
        ['add', 3, 10],
        ['mul', 13, 3],
      ]);
      expect(await result.parent?.get({ timeout: ctx.ms(1_000) })).toBe(13);
      expect(await result.parent?.parent?.get({ timeout: ctx.ms(1_000) })).toBe(3);
    });

    it('a group of 20 returns 20 results in member order, whatever order they finish in', async () => {
      const queue = uniqueQueue('group');
      const app = await ctx.app('worker');
      const gate = deferred();
      const double = app.task(
        'wc.group.double',
        async (n: number) => {
          await gate.promise;
          // Later members finish first.
          await quietWindow((20 - n) * 3);
          return n * 2;
        },
        { queue },
      );
      await app.worker({ concurrency: 20, queues: [queue], hostname: ctx.hostname('group') }).start();

      const result = await group(range(20).map((n) => double.s(n).set({ queue }))).applyAsync();
      expect(result.results).toHaveLength(20);
      gate.resolve();

      expect(await result.get({ timeout: ctx.ms(10_000) })).toEqual(range(20).map((n) => n * 2));
      expect(await result.completedCount()).toBe(20);
      expect(await result.successful()).toBe(true);
    });

    it('a chord of 20 calls its callback exactly once, with the results in member order', async () => {
      const queue = uniqueQueue('chord');
      const app = await ctx.app('worker');
      const calls: number[][] = [];
      const square = app.task(
        'wc.chord.square',
        async (n: number) => {
          await quietWindow((n * 7) % 13);
          return n * n;
        },
        { queue },
      );
      const collect = app.task(
        'wc.chord.collect',
        (results: number[]) => {
          calls.push(results);
          return results.reduce((sum, value) => sum + value, 0);
        },
        { queue },
      );
      await app.worker({ concurrency: 10, queues: [queue], hostname: ctx.hostname('chord') }).start();

      const result = await chord(
        range(20).map((n) => square.s(n).set({ queue })),
        collect.s().set({ queue }),
      ).applyAsync();

      const expected = range(20).map((n) => n * n);
      expect(await result.get({ timeout: ctx.ms(15_000) })).toBe(expected.reduce((sum, value) => sum + value, 0));
      await quietWindow(ctx.ms(300));
      expect(calls).toEqual([expected]);
    });

    it('a link callback runs after success with the result prepended to its own arguments', async () => {
      const queue = uniqueQueue('link');
      const app = await ctx.app('worker');
      const got = deferred<unknown[]>();
      let errbackRuns = 0;
      const add = app.task('wc.link.add', (a: number, b: number) => a + b, { queue });
      const record = app.task(
        'wc.link.record',
        (...args: unknown[]) => {
          got.resolve(args);
          return null;
        },
        { queue },
      );
      const onError = app.task(
        'wc.link.error',
        () => {
          errbackRuns++;
          return null;
        },
        { queue },
      );
      await app.worker({ concurrency: 2, queues: [queue], hostname: ctx.hostname('link') }).start();

      const result = await add.applyAsync([2, 3], {
        link: record.s('note').set({ queue }),
        linkError: onError.s().set({ queue }),
      });

      expect(await result.get({ timeout: ctx.ms(5_000) })).toBe(5);
      let args: unknown[] | undefined;
      void got.promise.then((value) => {
        args = value;
      });
      await waitFor(() => args !== undefined, { timeout: ctx.ms(5_000), message: 'the link callback to run' });
      expect(args).toEqual([5, 'note']);
      await quietWindow(ctx.ms(100));
      expect(errbackRuns).toBe(0);
    });
  });
}
