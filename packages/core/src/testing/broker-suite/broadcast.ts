import { describe, expect, it } from 'vitest';
import type { Json } from '../../json/json.ts';
import { collectBroadcasts } from '../helpers/collect-broadcasts.ts';
import { uniqueQueue } from '../helpers/unique-queue.ts';
import type { BrokerSuiteContext } from './context.ts';

const EVENT: Json = {
  type: 'task-succeeded',
  taskId: 'a1b2',
  timestamp: 1_767_225_600_000,
  result: { ok: true, items: [1, 2.5, -3, null, 'Grüße 🚀'], nested: { empty: {}, list: [] } },
};

/** `broadcast` / `subscribeBroadcast`: fan-out of JSON messages per channel. */
export function broadcastTests(ctx: BrokerSuiteContext): void {
  describe('broadcast', () => {
    it('delivers a message deeply equal to the one sent to every subscriber of the channel', async () => {
      const channel = uniqueQueue('events');
      const one = await collectBroadcasts(ctx.broker, channel);
      const two = await collectBroadcasts(ctx.broker, channel);
      await ctx.broker.broadcast(channel, EVENT);
      expect(await one.waitForCount(1, { timeout: ctx.ms(5000) })).toEqual([EVENT]);
      expect(await two.waitForCount(1, { timeout: ctx.ms(5000) })).toEqual([EVENT]);
    });

    it('carries every kind of JSON value, in the order sent', async () => {
      const channel = uniqueQueue('events');
      const sent: Json[] = [null, 0, -1.5, '', 'text', true, false, [], [1, 'two', [3]], {}, EVENT];
      const collector = await collectBroadcasts(ctx.broker, channel);
      for (const message of sent) await ctx.broker.broadcast(channel, message);
      expect(await collector.waitForCount(sent.length, { timeout: ctx.ms(5000) })).toEqual(sent);
    });

    it('does not deliver to subscribers of other channels', async () => {
      const channel = uniqueQueue('events');
      const other = uniqueQueue('control');
      const listener = await collectBroadcasts(ctx.broker, other);
      await ctx.broker.broadcast(channel, { to: 'events' });
      // Sent after the first, on the listener's channel: whatever leaked would have come before it.
      await ctx.broker.broadcast(other, { to: 'control' });
      await listener.waitForCount(1, { timeout: ctx.ms(5000) });
      expect(listener.messages).toEqual([{ to: 'control' }]);
    });

    it('stops delivering to a closed subscription', async () => {
      const channel = uniqueQueue('events');
      const closed = await collectBroadcasts(ctx.broker, channel);
      const open = await collectBroadcasts(ctx.broker, channel);
      await ctx.broker.broadcast(channel, 1);
      await closed.waitForCount(1, { timeout: ctx.ms(5000) });
      await open.waitForCount(1, { timeout: ctx.ms(5000) });
      await closed.close();
      await ctx.broker.broadcast(channel, 2);
      await ctx.broker.broadcast(channel, 3);
      expect(await open.waitForCount(3, { timeout: ctx.ms(5000) })).toEqual([1, 2, 3]);
      expect(closed.messages).toEqual([1]);
    });

    ctx.itRequires('crossProcess', 'reaches the subscribers of another broker instance', async () => {
      const channel = uniqueQueue('events');
      const peer = await ctx.createBroker();
      const local = await collectBroadcasts(ctx.broker, channel);
      const remote = await collectBroadcasts(peer, channel);
      await ctx.broker.broadcast(channel, EVENT);
      expect(await local.waitForCount(1, { timeout: ctx.ms(5000) })).toEqual([EVENT]);
      expect(await remote.waitForCount(1, { timeout: ctx.ms(5000) })).toEqual([EVENT]);
    });
  });
}
