import { describe, expect, it } from 'vitest';
import { collectDeliveries } from '../helpers/collect-deliveries.ts';
import { uniqueQueue } from '../helpers/unique-queue.ts';
import type { BrokerSuiteContext } from './context.ts';
import { expectStats, idsBeforeSentinel, message, messages } from './fixtures.ts';

/** `publish`: what goes in comes out, once, on its own queue. */
export function publishTests(ctx: BrokerSuiteContext): void {
  describe('publish', () => {
    it('delivers a message with its id, queue, body and priority intact, not marked redelivered', async () => {
      const queue = uniqueQueue('publish');
      const sent = message(queue, { priority: 3 });
      await ctx.broker.publish([sent]);
      const collector = await collectDeliveries(ctx.broker, { queues: [queue], prefetch: 1 });
      const [delivery] = await collector.waitForCount(1, { timeout: ctx.ms(5000) });
      expect(delivery).toMatchObject({
        id: sent.id,
        queue,
        body: sent.body,
        priority: 3,
        redelivered: false,
      });
    });

    it('counts published messages as ready until consumed', async () => {
      const queue = uniqueQueue('publish');
      await ctx.broker.publish(messages(queue, 3));
      await expectStats(ctx, queue, { ready: 3 });
    });

    it('delivers every message of a batch exactly once, before and after consume starts', async () => {
      const queue = uniqueQueue('publish');
      const before = messages(queue, 10);
      const after = messages(queue, 10);
      await ctx.broker.publish(before);
      const collector = await collectDeliveries(ctx.broker, { queues: [queue], prefetch: 4, autoAck: true });
      await collector.waitForCount(10, { timeout: ctx.ms(5000) });
      await ctx.broker.publish(after);
      await collector.waitForCount(20, { timeout: ctx.ms(5000) });
      const expected = [...before, ...after].map((m) => m.id).sort();
      expect([...collector.ids].sort()).toEqual(expected);
      expect(await idsBeforeSentinel(ctx, collector, queue)).toHaveLength(20);
      await expectStats(ctx, queue, {});
    });

    it('keeps the body byte for byte (unicode, escapes, 100 KB)', async () => {
      const queue = uniqueQueue('publish');
      const text = 'Grüße, 東京 🚀 "quoted" \\ back\\slash\n\ttab \u2028 \u0000 end';
      const body = JSON.stringify({ text, big: 'x'.repeat(100_000), nested: [{ a: null, b: 1.5e-7 }] });
      const sent = message(queue, { body });
      await ctx.broker.publish([sent]);
      const collector = await collectDeliveries(ctx.broker, { queues: [queue], prefetch: 1 });
      const [delivery] = await collector.waitForCount(1, { timeout: ctx.ms(5000) });
      expect(delivery?.body).toBe(body);
    });

    it('delivers a message only to consumers of its own queue', async () => {
      const mine = uniqueQueue('publish-mine');
      const other = uniqueQueue('publish-other');
      const collector = await collectDeliveries(ctx.broker, { queues: [mine], prefetch: 5, autoAck: true });
      const a = message(mine);
      const b = message(other);
      const c = message(mine);
      await ctx.broker.publish([a, b]);
      await ctx.broker.publish([c]);
      expect(await idsBeforeSentinel(ctx, collector, mine)).toEqual([a.id, c.id]);
      await expectStats(ctx, other, { ready: 1 });
    });

    it('resolves an empty batch without effect', async () => {
      const queue = uniqueQueue('publish');
      await ctx.broker.publish([]);
      await expectStats(ctx, queue, {});
    });
  });
}
