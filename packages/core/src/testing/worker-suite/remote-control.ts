import { describe, expect, it } from 'vitest';
import type { TaskSummary } from '../../control/control.ts';
import { uniqueQueue } from '../helpers/unique-queue.ts';
import type { WorkerSuiteContext } from './context.ts';
import { deferred, quietWindow } from './fixtures.ts';

/** control.ping(), inspect().active(), pauseQueue/resumeQueue, seen from another app. */
export function remoteControlTests(ctx: WorkerSuiteContext): void {
  describe('remote control', () => {
    it('ping() from another app gets pong from the worker; inspect().active() lists its running task', async () => {
      const queue = uniqueQueue('control');
      const workerApp = await ctx.app('worker');
      const started = deferred();
      const gate = deferred();
      const slow = workerApp.task(
        'wc.inspect.slow',
        async (label: string, n: number) => {
          started.resolve();
          await gate.promise;
          return `${label}${n}`;
        },
        { queue },
      );
      const hostname = ctx.hostname('inspected');
      await workerApp.worker({ concurrency: 2, queues: [queue], hostname }).start();
      const observer = await ctx.app('observer');

      expect(await observer.control.ping({ timeout: ctx.ms(2_000), limit: 1 })).toEqual({ [hostname]: { ok: 'pong' } });

      const result = await slow.delay('x', 7);
      await started.promise;
      const active = await observer.control.inspect({ timeout: ctx.ms(2_000), limit: 1 }).active();
      expect(Object.keys(active)).toEqual([hostname]);
      expect(active[hostname]).toHaveLength(1);
      expect((active[hostname] as TaskSummary[])[0]).toMatchObject({
        id: result.id,
        name: 'wc.inspect.slow',
        args: ['x', 7],
        queue,
      });

      gate.resolve();
      expect(await result.get({ timeout: ctx.ms(5_000) })).toBe('x7');
      await expect
        .poll(() => observer.control.inspect({ timeout: ctx.ms(2_000), limit: 1 }).active(), {
          timeout: ctx.ms(5_000),
        })
        .toEqual({ [hostname]: [] });
    });

    it('pauseQueue stops the worker taking from a queue (messages stay ready); resumeQueue runs them', async () => {
      const paused = uniqueQueue('paused');
      const other = uniqueQueue('other');
      const workerApp = await ctx.app('worker');
      const ran: string[] = [];
      workerApp.task('wc.pause.job', (label: string) => {
        ran.push(label);
        return label;
      });
      const hostname = ctx.hostname('pause-worker');
      await workerApp.worker({ concurrency: 2, queues: [other, paused], hostname }).start();
      const controller = await ctx.app('controller');

      expect(await controller.control.pauseQueue(paused, { limit: 1, timeout: ctx.ms(2_000) })).toEqual({
        [hostname]: { ok: 'paused' },
      });

      const held = await controller.sendTask('wc.pause.job', ['held'], { queue: paused });
      const free = await controller.sendTask('wc.pause.job', ['free'], { queue: other });
      expect(await free.get({ timeout: ctx.ms(5_000) })).toBe('free');
      await quietWindow(ctx.ms(300));

      expect(ran).toEqual(['free']);
      expect(await held.state()).toBe('PENDING');
      expect(await (await controller.broker()).stats(paused)).toMatchObject({ ready: 1, unacked: 0 });

      expect(await controller.control.resumeQueue(paused, { limit: 1, timeout: ctx.ms(2_000) })).toEqual({
        [hostname]: { ok: 'resumed' },
      });
      expect(await held.get({ timeout: ctx.ms(5_000) })).toBe('held');
      expect(ran).toEqual(['free', 'held']);
    });
  });
}
