import { describe, expect, it } from 'vitest';
import { collectDeliveries } from '../helpers/collect-deliveries.ts';
import { uniqueQueue } from '../helpers/unique-queue.ts';
import type { BrokerSuiteContext } from './context.ts';
import { message } from './fixtures.ts';

/** Delivery order: by priority (capabilities.priorities), then first in, first out. */
export function priorityTests(ctx: BrokerSuiteContext): void {
  describe('priority', () => {
    ctx.itRequires('priorities', 'delivers a backlog highest priority first, FIFO within a priority', async () => {
      const queue = uniqueQueue('priority');
      const [p0a, p9a, p5, p0b, p9b, p1] = [0, 9, 5, 0, 9, 1].map((priority) => message(queue, { priority }));
      // Several publish calls, so order inside one batch is not all that is checked.
      await ctx.broker.publish([p0a!, p9a!]);
      await ctx.broker.publish([p5!]);
      await ctx.broker.publish([p0b!, p9b!, p1!]);
      const collector = await collectDeliveries(ctx.broker, { queues: [queue], prefetch: 1, autoAck: true });
      await collector.waitForCount(6, { timeout: ctx.ms(5000) });
      expect(collector.ids).toEqual([p9a!.id, p9b!.id, p5!.id, p1!.id, p0a!.id, p0b!.id]);
      expect(collector.deliveries.map((d) => d.priority)).toEqual([9, 9, 5, 1, 0, 0]);
    });

    ctx.itRequires('priorities', 'puts a requeued message back among its own priority', async () => {
      const queue = uniqueQueue('priority');
      const high = message(queue, { priority: 8 });
      const low = message(queue, { priority: 0 });
      await ctx.broker.publish([high]);
      const collector = await collectDeliveries(ctx.broker, { queues: [queue], prefetch: 1 });
      const [first] = await collector.waitForCount(1, { timeout: ctx.ms(5000) });
      await ctx.broker.publish([low]);
      collector.autoAck = true;
      await collector.nack(first!);
      await collector.waitForCount(3, { timeout: ctx.ms(5000) });
      expect(collector.ids).toEqual([high.id, high.id, low.id]);
    });

    it('delivers messages of one priority in publish order', async () => {
      const queue = uniqueQueue('fifo');
      const sent = Array.from({ length: 8 }, () => message(queue, { priority: 0 }));
      for (const m of sent.slice(0, 4)) await ctx.broker.publish([m]);
      await ctx.broker.publish(sent.slice(4));
      const collector = await collectDeliveries(ctx.broker, { queues: [queue], prefetch: 1, autoAck: true });
      await collector.waitForCount(8, { timeout: ctx.ms(5000) });
      expect(collector.ids).toEqual(sent.map((m) => m.id));
    });
  });
}
