import { describe, expect, it } from 'vitest';
import { collectDeliveries } from '../helpers/collect-deliveries.ts';
import { uniqueQueue } from '../helpers/unique-queue.ts';
import { waitFor } from '../helpers/wait-for.ts';
import type { BrokerSuiteContext } from './context.ts';
import { expectStats, idsBeforeSentinel, message, messages } from './fixtures.ts';

/** `purge` and `stats`. */
export function purgeStatsTests(ctx: BrokerSuiteContext): void {
  describe('purge and stats', () => {
    it('reports zeros and purges nothing on an unknown queue', async () => {
      const queue = uniqueQueue('stats');
      await expectStats(ctx, queue, {});
      expect(await ctx.broker.purge(queue)).toBe(0);
    });

    it('counts ready, delayed, unacked and dead messages exactly, per queue', async () => {
      const queue = uniqueQueue('stats');
      const other = uniqueQueue('stats-other');
      const delayed = ctx.capabilities.delay ? 2 : 0;
      await ctx.broker.publish(messages(queue, 4));
      for (let i = 0; i < delayed; i++) await ctx.broker.publish([message(queue, { eta: Date.now() + 60_000 })]);
      await ctx.broker.publish(messages(other, 1));
      const collector = await collectDeliveries(ctx.broker, { queues: [queue], prefetch: 2 });
      const [first] = await collector.waitForCount(2, { timeout: ctx.ms(5000) });
      await collector.deadLetter(first!, 'counted');
      await collector.waitForCount(3, { timeout: ctx.ms(5000) });
      await expectStats(ctx, queue, { ready: 1, delayed, unacked: 2, dead: 1 });
      await expectStats(ctx, other, { ready: 1 });
    });

    it('purge removes every ready message and resolves to how many', async () => {
      const queue = uniqueQueue('purge');
      const other = uniqueQueue('purge-other');
      await ctx.broker.publish([...messages(queue, 3), message(other)]);
      expect(await ctx.broker.purge(queue)).toBe(3);
      await expectStats(ctx, queue, {});
      await expectStats(ctx, other, { ready: 1 });
      const collector = await collectDeliveries(ctx.broker, { queues: [queue], prefetch: 1, autoAck: true });
      expect(await idsBeforeSentinel(ctx, collector, queue)).toEqual([]);
      expect(await ctx.broker.purge(queue)).toBe(0);
    });

    ctx.itRequires('delay', 'purge removes delayed messages too, and they never come back', async () => {
      const queue = uniqueQueue('purge');
      const eta = Date.now() + ctx.ms(200);
      await ctx.broker.publish([...messages(queue, 2), message(queue, { eta }), message(queue, { eta })]);
      await expectStats(ctx, queue, { ready: 2, delayed: 2 });
      expect(await ctx.broker.purge(queue)).toBe(4);
      await expectStats(ctx, queue, {});
      const collector = await collectDeliveries(ctx.broker, { queues: [queue], prefetch: 1, autoAck: true });
      // Not a sleep for synchronisation: the condition is the clock passing the purged eta.
      await waitFor(() => Date.now() > eta + ctx.ms(100), { timeout: ctx.ms(2000) });
      expect(await idsBeforeSentinel(ctx, collector, queue)).toEqual([]);
      await expectStats(ctx, queue, {});
    });

    it('purge leaves unacked deliveries and dead letters alone', async () => {
      const queue = uniqueQueue('purge');
      await ctx.broker.publish(messages(queue, 3));
      const collector = await collectDeliveries(ctx.broker, { queues: [queue], prefetch: 1 });
      const [first] = await collector.waitForCount(1, { timeout: ctx.ms(5000) });
      await collector.deadLetter(first!, 'kept');
      const [, held] = await collector.waitForCount(2, { timeout: ctx.ms(5000) });
      await expectStats(ctx, queue, { ready: 1, unacked: 1, dead: 1 });
      expect(await ctx.broker.purge(queue)).toBe(1);
      await expectStats(ctx, queue, { unacked: 1, dead: 1 });
      await collector.ack(held!);
      await expectStats(ctx, queue, { dead: 1 });
      expect((await ctx.broker.deadLetters.list(queue)).map((d) => d.id)).toEqual([first!.id]);
    });
  });
}
