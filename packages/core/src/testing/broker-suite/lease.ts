import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { DeliveryCollector } from '../helpers/collect-deliveries.ts';
import { collectDeliveries } from '../helpers/collect-deliveries.ts';
import { uniqueQueue } from '../helpers/unique-queue.ts';
import { waitFor } from '../helpers/wait-for.ts';
import type { BrokerSuiteContext } from './context.ts';
import { expectStats, message } from './fixtures.ts';

function count(collectors: DeliveryCollector[], id: string): number {
  return collectors.reduce((sum, c) => sum + c.ids.filter((received) => received === id).length, 0);
}

/** `extendLease`, and redelivery of deliveries whose lease ran out (capabilities.leases). */
export function leaseTests(ctx: BrokerSuiteContext): void {
  describe('leases', () => {
    it('extendLease resolves for held deliveries and for none, and they stay held', async () => {
      const queue = uniqueQueue('lease');
      await ctx.broker.publish([message(queue)]);
      const collector = await collectDeliveries(ctx.broker, { queues: [queue], prefetch: 1 });
      const [delivery] = await collector.waitForCount(1, { timeout: ctx.ms(5000) });
      await ctx.broker.extendLease([]);
      await ctx.broker.extendLease([delivery!]);
      await expectStats(ctx, queue, { unacked: 1 });
      await collector.ack(delivery!);
      await expectStats(ctx, queue, {});
    });

    ctx.itRequires(
      'leases',
      'redelivers a held delivery whose lease runs out, but not one whose lease is extended',
      async () => {
        // The suite does not know the lease length (Redis: visibilityTimeout), so it measures it: the
        // unextended message's redelivery marks one lease; the extended one must then survive a
        // second full lease. Configure a short lease (about 1 s) in the broker under test.
        const queue = uniqueQueue('lease');
        const kept = message(queue);
        const lost = message(queue);
        await ctx.broker.publish([kept, lost]);
        const holder = await collectDeliveries(ctx.broker, { queues: [queue], prefetch: 2 });
        const received = await holder.waitForCount(2, { timeout: ctx.ms(5000) });
        const start = Date.now();
        const held = received.find((d) => d.id === kept.id)!;
        // Collects redeliveries (acknowledging them, so it always has budget).
        const rescuer = await collectDeliveries(ctx.broker, { queues: [queue], prefetch: 5, autoAck: true });

        let extending = true;
        const extendErrors: unknown[] = [];
        const extender = (async () => {
          while (extending) {
            await ctx.broker.extendLease([held]).catch((error: unknown) => extendErrors.push(error));
            await sleep(ctx.ms(20));
          }
        })();
        try {
          await waitFor(() => count([holder, rescuer], lost.id) >= 2, {
            timeout: ctx.ms(15_000),
            message: 'the unextended delivery was not redelivered: is the lease under test short (≈1 s)?',
          });
          const lease = Date.now() - start;
          const redelivery = [...holder.deliveries, ...rescuer.deliveries].find(
            (d) => d.id === lost.id && d.redelivered,
          );
          expect(redelivery?.redelivered).toBe(true);
          // Not a sleep for synchronisation: the condition is the extended delivery outliving a lease.
          await waitFor(() => Date.now() - start >= 2 * lease + ctx.ms(100), { timeout: 2 * lease + ctx.ms(1000) });
        } finally {
          extending = false;
          await extender;
        }
        expect(extendErrors).toEqual([]);
        expect(count([holder, rescuer], kept.id)).toBe(1);
        await holder.ack(held);
      },
    );
  });
}
