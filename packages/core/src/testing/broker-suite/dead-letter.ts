import { describe, expect, it } from 'vitest';
import type { Delivery } from '../../broker/broker.ts';
import { collectDeliveries } from '../helpers/collect-deliveries.ts';
import { uniqueQueue } from '../helpers/unique-queue.ts';
import type { BrokerSuiteContext } from './context.ts';
import { expectStats, idsBeforeSentinel, message, messages } from './fixtures.ts';

/** The dead-letter store: `deadLetter`, then `list`, `requeue`, `delete`. */
export function deadLetterTests(ctx: BrokerSuiteContext): void {
  /** Publish `count` messages to `queue`, receive them all and dead-letter them one by one, in order. */
  async function deadLetterAll(queue: string, count: number): Promise<Delivery[]> {
    const sent = messages(queue, count);
    await ctx.broker.publish(sent);
    const collector = await collectDeliveries(ctx.broker, { queues: [queue], prefetch: count });
    const received = await collector.waitForCount(count, { timeout: ctx.ms(5000) });
    for (const delivery of received) await collector.deadLetter(delivery, `reason of ${delivery.id}`);
    await collector.close();
    return received;
  }

  describe('dead letters', () => {
    it('deadLetter stores the message with its reason and time', async () => {
      const queue = uniqueQueue('dead');
      const sent = message(queue);
      await ctx.broker.publish([sent]);
      const collector = await collectDeliveries(ctx.broker, { queues: [queue], prefetch: 1 });
      const [delivery] = await collector.waitForCount(1, { timeout: ctx.ms(5000) });
      const before = Date.now();
      await collector.deadLetter(delivery!, 'Unknown task "reports.daily"');
      const after = Date.now();
      const dead = await ctx.broker.deadLetters.list(queue);
      expect(dead).toEqual([
        {
          id: sent.id,
          queue,
          body: sent.body,
          reason: 'Unknown task "reports.daily"',
          deadLetteredAt: expect.any(Number),
        },
      ]);
      expect(dead[0]!.deadLetteredAt).toBeGreaterThanOrEqual(before);
      expect(dead[0]!.deadLetteredAt).toBeLessThanOrEqual(after);
      await expectStats(ctx, queue, { dead: 1 });
    });

    it('lists newest first, with limit and offset', async () => {
      const queue = uniqueQueue('dead');
      const [a, b, c] = await deadLetterAll(queue, 3);
      const all = await ctx.broker.deadLetters.list(queue);
      expect(all.map((d) => d.id)).toEqual([c!.id, b!.id, a!.id]);
      expect(all.map((d) => d.reason)).toEqual([c, b, a].map((d) => `reason of ${d!.id}`));
      expect((await ctx.broker.deadLetters.list(queue, { limit: 2 })).map((d) => d.id)).toEqual([c!.id, b!.id]);
      const page = await ctx.broker.deadLetters.list(queue, { offset: 1, limit: 1 });
      expect(page.map((d) => d.id)).toEqual([b!.id]);
      expect((await ctx.broker.deadLetters.list(queue, { offset: 2 })).map((d) => d.id)).toEqual([a!.id]);
    });

    it('requeue puts the message back on its queue, where it is consumed again', async () => {
      const queue = uniqueQueue('dead');
      const [a, b] = await deadLetterAll(queue, 2);
      expect(await ctx.broker.deadLetters.requeue(queue, a!.id)).toBe(true);
      expect((await ctx.broker.deadLetters.list(queue)).map((d) => d.id)).toEqual([b!.id]);
      await expectStats(ctx, queue, { ready: 1, dead: 1 });
      const collector = await collectDeliveries(ctx.broker, { queues: [queue], prefetch: 1, autoAck: true });
      await collector.waitForCount(1, { timeout: ctx.ms(5000) });
      expect(collector.deliveries[0]).toMatchObject({ id: a!.id, queue, body: a!.body });
      expect(await idsBeforeSentinel(ctx, collector, queue)).toEqual([a!.id]);
      expect(await ctx.broker.deadLetters.requeue(queue, a!.id)).toBe(false);
    });

    it('delete removes the dead letter for good', async () => {
      const queue = uniqueQueue('dead');
      const [a, b] = await deadLetterAll(queue, 2);
      expect(await ctx.broker.deadLetters.delete(queue, a!.id)).toBe(true);
      expect((await ctx.broker.deadLetters.list(queue)).map((d) => d.id)).toEqual([b!.id]);
      await expectStats(ctx, queue, { dead: 1 });
      expect(await ctx.broker.deadLetters.delete(queue, a!.id)).toBe(false);
      expect(await ctx.broker.deadLetters.requeue(queue, a!.id)).toBe(false);
      const collector = await collectDeliveries(ctx.broker, { queues: [queue], prefetch: 1, autoAck: true });
      expect(await idsBeforeSentinel(ctx, collector, queue)).toEqual([]);
    });

    it('requeue and delete of an unknown id resolve to false', async () => {
      const queue = uniqueQueue('dead');
      await deadLetterAll(queue, 1);
      expect(await ctx.broker.deadLetters.requeue(queue, 'no-such-id')).toBe(false);
      expect(await ctx.broker.deadLetters.delete(queue, 'no-such-id')).toBe(false);
      const empty = uniqueQueue('dead-empty');
      expect(await ctx.broker.deadLetters.requeue(empty, 'no-such-id')).toBe(false);
      expect(await ctx.broker.deadLetters.delete(empty, 'no-such-id')).toBe(false);
      expect(await ctx.broker.deadLetters.list(empty)).toEqual([]);
      await expectStats(ctx, queue, { dead: 1 });
    });

    it('keeps dead letters per queue', async () => {
      const first = uniqueQueue('dead-a');
      const second = uniqueQueue('dead-b');
      const [a] = await deadLetterAll(first, 1);
      const [b] = await deadLetterAll(second, 1);
      expect((await ctx.broker.deadLetters.list(first)).map((d) => d.id)).toEqual([a!.id]);
      expect((await ctx.broker.deadLetters.list(second)).map((d) => d.id)).toEqual([b!.id]);
      expect(await ctx.broker.deadLetters.delete(first, b!.id)).toBe(false);
      expect(await ctx.broker.deadLetters.requeue(first, b!.id)).toBe(false);
    });
  });
}
