import { describe, expect, it } from 'vitest';
import { collectBroadcasts } from '../helpers/collect-broadcasts.ts';
import { collectDeliveries } from '../helpers/collect-deliveries.ts';
import { uniqueQueue } from '../helpers/unique-queue.ts';
import { waitFor } from '../helpers/wait-for.ts';
import type { BrokerSuiteContext } from './context.ts';
import { idsBeforeSentinel, message, messages } from './fixtures.ts';

/** `connect` and `close`. */
export function lifecycleTests(ctx: BrokerSuiteContext): void {
  describe('lifecycle', () => {
    it('connect is idempotent, also when called concurrently', async () => {
      const queue = uniqueQueue('lifecycle');
      await Promise.all([ctx.broker.connect(), ctx.broker.connect()]);
      await ctx.broker.connect();
      const sent = message(queue);
      await ctx.broker.publish([sent]);
      const collector = await collectDeliveries(ctx.broker, { queues: [queue], prefetch: 1, autoAck: true });
      expect(await idsBeforeSentinel(ctx, collector, queue)).toEqual([sent.id]);
    });

    it('publish after close rejects with PublishError or BrokerConnectionError', async () => {
      const queue = uniqueQueue('lifecycle');
      await ctx.closeBroker(ctx.broker);
      // Checked by `code`, which survives two copies of @celeriac/core where `instanceof` does not.
      await expect(ctx.broker.publish([message(queue)])).rejects.toSatisfy(
        (error: unknown) =>
          ['PUBLISH', 'BROKER_CONNECTION'].includes((error as { code?: unknown } | null)?.code as string),
        'a CeleriacError with code PUBLISH or BROKER_CONNECTION',
      );
    });

    it('close resolves while deliveries are still unsettled', async () => {
      const queue = uniqueQueue('lifecycle');
      await ctx.broker.publish(messages(queue, 2));
      const collector = await collectDeliveries(ctx.broker, { queues: [queue], prefetch: 2 });
      await collector.waitForCount(2, { timeout: ctx.ms(5000) });
      await ctx.closeBroker(ctx.broker);
      expect(collector.held.size).toBe(2);
    });

    it('close returns unsettled deliveries to the queue, for the next consumer', async () => {
      const queue = uniqueQueue('lifecycle');
      const sent = messages(queue, 3);
      await ctx.broker.publish(sent);
      const holder = await collectDeliveries(ctx.broker, { queues: [queue], prefetch: 2 });
      const held = await holder.waitForCount(2, { timeout: ctx.ms(5000) });
      await ctx.closeBroker(ctx.broker);
      const peer = await ctx.successorOf(ctx.broker);
      const taker = await collectDeliveries(peer, { queues: [queue], prefetch: 5, autoAck: true });
      await taker.waitForCount(3, { timeout: ctx.ms(5000) });
      expect([...taker.ids].sort()).toEqual(sent.map((m) => m.id).sort());
      const heldIds = new Set(held.map((d) => d.id));
      for (const delivery of taker.deliveries) expect(delivery.redelivered).toBe(heldIds.has(delivery.id));
      expect(holder.deliveries).toHaveLength(2);
    });

    it('close stops the subscriptions of the closed broker', async () => {
      const queue = uniqueQueue('lifecycle');
      const channel = uniqueQueue('events');
      const closedConsumer = await collectDeliveries(ctx.broker, { queues: [queue], prefetch: 5, autoAck: true });
      const closedListener = await collectBroadcasts(ctx.broker, channel);
      await ctx.closeBroker(ctx.broker);
      const peer = await ctx.successorOf(ctx.broker);
      const consumer = await collectDeliveries(peer, { queues: [queue], prefetch: 5, autoAck: true });
      const listener = await collectBroadcasts(peer, channel);
      const sent = message(queue);
      await peer.publish([sent]);
      await peer.broadcast(channel, 'after close');
      await waitFor(() => consumer.deliveries.length + closedConsumer.deliveries.length >= 1, {
        timeout: ctx.ms(5000),
      });
      await listener.waitForCount(1, { timeout: ctx.ms(5000) });
      expect(closedConsumer.deliveries).toEqual([]);
      expect(consumer.ids).toEqual([sent.id]);
      expect(closedListener.messages).toEqual([]);
    });
  });
}
