import { describe, expect } from 'vitest';
import { collectDeliveries } from '../helpers/collect-deliveries.ts';
import { uniqueQueue } from '../helpers/unique-queue.ts';
import { waitFor } from '../helpers/wait-for.ts';
import type { BrokerSuiteContext } from './context.ts';
import { expectStats, idsBeforeSentinel, message } from './fixtures.ts';

/** Messages with an `eta` (capabilities.delay). */
export function delayTests(ctx: BrokerSuiteContext): void {
  describe('delay', () => {
    ctx.itRequires('delay', 'does not deliver before the eta, and delivers soon after it', async () => {
      const queue = uniqueQueue('delay');
      const collector = await collectDeliveries(ctx.broker, { queues: [queue], prefetch: 1, autoAck: true });
      const eta = Date.now() + ctx.ms(300);
      const sent = message(queue, { eta });
      await ctx.broker.publish([sent]);
      await collector.waitForCount(1, { timeout: ctx.ms(5000) });
      // Measured with Date.now(), the clock `eta` is defined in: no early tolerance is allowed.
      // A broker driven by setTimeout must re-check the clock when the timer fires, since Node
      // timers count from the event loop's cached time and can fire a few ms before `eta`.
      expect(collector.receivedAt[0]).toBeGreaterThanOrEqual(eta);
      expect(collector.receivedAt[0]).toBeLessThanOrEqual(eta + ctx.ms(1000));
      expect(collector.ids).toEqual([sent.id]);
    });

    ctx.itRequires('delay', 'counts a message waiting for its eta as delayed, and holds it back', async () => {
      const queue = uniqueQueue('delay');
      const later = message(queue, { eta: Date.now() + 60_000 });
      const now = message(queue);
      await ctx.broker.publish([later]);
      await expectStats(ctx, queue, { delayed: 1 });
      await ctx.broker.publish([now]);
      await expectStats(ctx, queue, { ready: 1, delayed: 1 });
      const collector = await collectDeliveries(ctx.broker, { queues: [queue], prefetch: 5, autoAck: true });
      expect(await idsBeforeSentinel(ctx, collector, queue)).toEqual([now.id]);
      await expectStats(ctx, queue, { delayed: 1 });
    });

    ctx.itRequires('delay', 'delivers delayed messages in eta order, not publish order', async () => {
      const queue = uniqueQueue('delay');
      const collector = await collectDeliveries(ctx.broker, { queues: [queue], prefetch: 5, autoAck: true });
      const start = Date.now();
      const third = message(queue, { eta: start + ctx.ms(450) });
      const first = message(queue, { eta: start + ctx.ms(150) });
      const second = message(queue, { eta: start + ctx.ms(300) });
      await ctx.broker.publish([third, first]);
      await ctx.broker.publish([second]);
      await collector.waitForCount(3, { timeout: ctx.ms(5000) });
      expect(collector.ids).toEqual([first.id, second.id, third.id]);
    });

    ctx.itRequires('delay', 'delivers a backlog of due delayed messages earliest eta first', async () => {
      const queue = uniqueQueue('delay');
      const start = Date.now();
      const third = message(queue, { eta: start + ctx.ms(90) });
      const first = message(queue, { eta: start + ctx.ms(30) });
      const second = message(queue, { eta: start + ctx.ms(60) });
      await ctx.broker.publish([third, first, second]);
      // Not a sleep for synchronisation: the condition is the clock passing every eta.
      await waitFor(() => Date.now() > start + ctx.ms(150), { timeout: ctx.ms(1000) });
      const collector = await collectDeliveries(ctx.broker, { queues: [queue], prefetch: 1, autoAck: true });
      await collector.waitForCount(3, { timeout: ctx.ms(5000) });
      expect(collector.ids).toEqual([first.id, second.id, third.id]);
    });

    ctx.itRequires('delay', 'delivers a message whose eta has passed at once', async () => {
      const queue = uniqueQueue('delay');
      const collector = await collectDeliveries(ctx.broker, { queues: [queue], prefetch: 1, autoAck: true });
      const sent = message(queue, { eta: Date.now() - 60_000 });
      const publishedAt = Date.now();
      await ctx.broker.publish([sent]);
      await collector.waitForCount(1, { timeout: ctx.ms(2000) });
      expect(collector.ids).toEqual([sent.id]);
      expect(collector.receivedAt[0]! - publishedAt).toBeLessThanOrEqual(ctx.ms(1000));
    });
  });
}
