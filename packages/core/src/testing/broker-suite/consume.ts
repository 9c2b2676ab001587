import { describe, expect, it } from 'vitest';
import { collectDeliveries } from '../helpers/collect-deliveries.ts';
import { uniqueQueue } from '../helpers/unique-queue.ts';
import { waitFor } from '../helpers/wait-for.ts';
import type { BrokerSuiteContext } from './context.ts';
import { expectStats, message, messages, quietPeriod } from './fixtures.ts';

/** `consume`: the prefetch budget, several queues, several subscriptions, closing one. */
export function consumeTests(ctx: BrokerSuiteContext): void {
  describe('consume', () => {
    it('holds at most `prefetch` unsettled deliveries, and settling one lets the next in', async () => {
      const queue = uniqueQueue('consume');
      const sent = messages(queue, 5);
      await ctx.broker.publish(sent);
      const collector = await collectDeliveries(ctx.broker, { queues: [queue], prefetch: 2 });
      await collector.waitForCount(2, { timeout: ctx.ms(5000) });
      await quietPeriod(ctx.ms(100));
      expect(collector.deliveries).toHaveLength(2);
      await expectStats(ctx, queue, { ready: 3, unacked: 2 });

      await collector.ack(collector.deliveries[0]!);
      await collector.waitForCount(3, { timeout: ctx.ms(5000) });
      await quietPeriod(ctx.ms(100));
      expect(collector.deliveries).toHaveLength(3);

      collector.autoAck = true;
      await collector.ackHeld();
      await collector.waitForCount(5, { timeout: ctx.ms(5000) });
      expect(collector.maxHeld).toBe(2);
      expect([...collector.ids].sort()).toEqual(sent.map((m) => m.id).sort());
      await expectStats(ctx, queue, {});
    });

    it('shares one prefetch budget across the queues of a subscription', async () => {
      const first = uniqueQueue('consume-a');
      const second = uniqueQueue('consume-b');
      const sent = [...messages(first, 3), ...messages(second, 3)];
      await ctx.broker.publish(sent);
      const collector = await collectDeliveries(ctx.broker, { queues: [first, second], prefetch: 2 });
      await collector.waitForCount(2, { timeout: ctx.ms(5000) });
      await quietPeriod(ctx.ms(100));
      expect(collector.deliveries).toHaveLength(2);
      const [a, b] = await Promise.all([ctx.broker.stats(first), ctx.broker.stats(second)]);
      expect(a.unacked + b.unacked).toBe(2);
      expect(a.ready + b.ready).toBe(4);

      collector.autoAck = true;
      await collector.ackHeld();
      await collector.waitForCount(6, { timeout: ctx.ms(5000) });
      expect(collector.maxHeld).toBe(2);
      expect([...collector.ids].sort()).toEqual(sent.map((m) => m.id).sort());
      expect(new Set(collector.deliveries.map((d) => d.queue))).toEqual(new Set([first, second]));
    });

    it('feeds two subscriptions on one queue, each message to one of them', async () => {
      const queue = uniqueQueue('consume');
      const sent = messages(queue, 4);
      await ctx.broker.publish(sent);
      const one = await collectDeliveries(ctx.broker, { queues: [queue], prefetch: 1 });
      const two = await collectDeliveries(ctx.broker, { queues: [queue], prefetch: 1 });
      // Each holds its one delivery, so the other must get one too.
      await one.waitForCount(1, { timeout: ctx.ms(5000) });
      await two.waitForCount(1, { timeout: ctx.ms(5000) });
      expect(one.ids[0]).not.toBe(two.ids[0]);

      one.autoAck = true;
      two.autoAck = true;
      await Promise.all([one.ackHeld(), two.ackHeld()]);
      await waitFor(() => one.deliveries.length + two.deliveries.length >= 4, { timeout: ctx.ms(5000) });
      expect([...one.ids, ...two.ids].sort()).toEqual(sent.map((m) => m.id).sort());
      await expectStats(ctx, queue, {});
    });

    it('stops delivering to a closed subscription; a new one gets the messages', async () => {
      const queue = uniqueQueue('consume');
      const closed = await collectDeliveries(ctx.broker, { queues: [queue], prefetch: 5, autoAck: true });
      await closed.close();
      const sent = messages(queue, 2);
      await ctx.broker.publish(sent);
      const fresh = await collectDeliveries(ctx.broker, { queues: [queue], prefetch: 5, autoAck: true });
      await waitFor(() => fresh.deliveries.length + closed.deliveries.length >= 2, { timeout: ctx.ms(5000) });
      expect(closed.deliveries).toHaveLength(0);
      expect(fresh.ids).toEqual(sent.map((m) => m.id));
    });

    it('lets deliveries held by a closed subscription be settled', async () => {
      const queue = uniqueQueue('consume');
      const sent = message(queue);
      await ctx.broker.publish([sent]);
      const collector = await collectDeliveries(ctx.broker, { queues: [queue], prefetch: 1 });
      const [delivery] = await collector.waitForCount(1, { timeout: ctx.ms(5000) });
      await collector.close();
      await expectStats(ctx, queue, { unacked: 1 });
      await collector.ack(delivery!);
      await expectStats(ctx, queue, {});
    });
  });
}
