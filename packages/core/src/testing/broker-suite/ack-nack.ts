import { describe, expect, it } from 'vitest';
import { collectDeliveries } from '../helpers/collect-deliveries.ts';
import { uniqueQueue } from '../helpers/unique-queue.ts';
import type { BrokerSuiteContext } from './context.ts';
import { expectStats, idsBeforeSentinel, message } from './fixtures.ts';

/** `ack` and `nack`: settling removes, requeues or dead-letters, once. */
export function ackNackTests(ctx: BrokerSuiteContext): void {
  describe('ack and nack', () => {
    it('ack removes the message for good', async () => {
      const queue = uniqueQueue('ack');
      const sent = message(queue);
      await ctx.broker.publish([sent]);
      const collector = await collectDeliveries(ctx.broker, { queues: [queue], prefetch: 1 });
      const [delivery] = await collector.waitForCount(1, { timeout: ctx.ms(5000) });
      await collector.ack(delivery!);
      await expectStats(ctx, queue, {});
      collector.autoAck = true;
      expect(await idsBeforeSentinel(ctx, collector, queue)).toEqual([sent.id]);
    });

    it('ack settles only its own delivery', async () => {
      const queue = uniqueQueue('ack');
      await ctx.broker.publish([message(queue), message(queue), message(queue)]);
      const collector = await collectDeliveries(ctx.broker, { queues: [queue], prefetch: 2 });
      const [first] = await collector.waitForCount(2, { timeout: ctx.ms(5000) });
      await collector.ack(first!);
      await collector.waitForCount(3, { timeout: ctx.ms(5000) });
      await expectStats(ctx, queue, { unacked: 2 });
    });

    it('nack requeues by default (and with requeue: true), redelivering with redelivered=true', async () => {
      const queue = uniqueQueue('nack');
      const sent = message(queue, { priority: 2 });
      await ctx.broker.publish([sent]);
      const collector = await collectDeliveries(ctx.broker, { queues: [queue], prefetch: 1 });
      const [first] = await collector.waitForCount(1, { timeout: ctx.ms(5000) });
      expect(first?.redelivered).toBe(false);
      await collector.nack(first!);
      const [, second] = await collector.waitForCount(2, { timeout: ctx.ms(5000) });
      await collector.nack(second!, { requeue: true });
      const [, , third] = await collector.waitForCount(3, { timeout: ctx.ms(5000) });
      for (const redelivery of [second, third]) {
        expect(redelivery).toMatchObject({ id: sent.id, queue, body: sent.body, priority: 2, redelivered: true });
      }
      await expectStats(ctx, queue, { unacked: 1 });
      await collector.ack(third!);
      await expectStats(ctx, queue, {});
    });

    it('nack with requeue: false dead-letters the message instead of redelivering it', async () => {
      const queue = uniqueQueue('nack');
      const sent = message(queue);
      await ctx.broker.publish([sent]);
      const collector = await collectDeliveries(ctx.broker, { queues: [queue], prefetch: 1 });
      const [delivery] = await collector.waitForCount(1, { timeout: ctx.ms(5000) });
      await collector.nack(delivery!, { requeue: false });
      await expectStats(ctx, queue, { dead: 1 });
      const dead = await ctx.broker.deadLetters.list(queue);
      expect(dead).toHaveLength(1);
      expect(dead[0]).toMatchObject({ id: sent.id, queue, body: sent.body });
      expect(dead[0]?.reason).toEqual(expect.any(String));
      collector.autoAck = true;
      expect(await idsBeforeSentinel(ctx, collector, queue)).toEqual([sent.id]);
    });

    it('settling twice is harmless: the first settlement wins', async () => {
      const queue = uniqueQueue('settle');
      const [acked, deadLettered] = [message(queue), message(queue)];
      await ctx.broker.publish([acked, deadLettered]);
      const collector = await collectDeliveries(ctx.broker, { queues: [queue], prefetch: 2 });
      const received = await collector.waitForCount(2, { timeout: ctx.ms(5000) });
      const a = received.find((delivery) => delivery.id === acked.id);
      const d = received.find((delivery) => delivery.id === deadLettered.id);
      await collector.ack(a!);
      await collector.ack(a!);
      await collector.nack(a!);
      await collector.nack(a!, { requeue: false });
      await collector.deadLetter(a!, 'after ack');

      await collector.deadLetter(d!, 'first');
      await collector.ack(d!);
      await collector.nack(d!);
      await collector.deadLetter(d!, 'second');
      await ctx.broker.extendLease([a!, d!]);

      await expectStats(ctx, queue, { dead: 1 });
      const dead = await ctx.broker.deadLetters.list(queue);
      expect(dead.map(({ id, reason }) => ({ id, reason }))).toEqual([{ id: deadLettered.id, reason: 'first' }]);
      collector.autoAck = true;
      expect(await idsBeforeSentinel(ctx, collector, queue)).toEqual([acked.id, deadLettered.id]);
    });
  });
}
