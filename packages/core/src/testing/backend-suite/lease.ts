import { describe, expect, it } from 'vitest';
import { uniqueQueue } from '../helpers/unique-queue.ts';
import type { BackendSuiteContext } from './context.ts';
import { clockPassed, expectExpiry } from './expiry.ts';
import { LONG_TTL } from './fixtures.ts';

/** Leases (`acquireLease`, `renewLease`, `releaseLease`): one owner at a time (beat). */
export function leaseTests(ctx: BackendSuiteContext): void {
  describe('leases', () => {
    it('gives a free lease to one owner, again to the same owner, never to another', async () => {
      const key = uniqueQueue('lease');
      expect(await ctx.backend.acquireLease(key, 'a', LONG_TTL)).toBe(true);
      expect(await ctx.backend.acquireLease(key, 'b', LONG_TTL)).toBe(false);
      expect(await ctx.backend.acquireLease(key, 'a', LONG_TTL)).toBe(true);
      expect(await ctx.backend.acquireLease(key, 'b', LONG_TTL)).toBe(false);
    });

    it('renews only for the holder', async () => {
      const key = uniqueQueue('lease');
      expect(await ctx.backend.renewLease(key, 'a', LONG_TTL)).toBe(false);
      await ctx.backend.acquireLease(key, 'a', LONG_TTL);
      expect(await ctx.backend.renewLease(key, 'a', LONG_TTL)).toBe(true);
      expect(await ctx.backend.renewLease(key, 'b', LONG_TTL)).toBe(false);
      expect(await ctx.backend.acquireLease(key, 'b', LONG_TTL)).toBe(false);
    });

    it('release by the holder frees the lease; release by another owner does nothing', async () => {
      const key = uniqueQueue('lease');
      await ctx.backend.acquireLease(key, 'a', LONG_TTL);
      await ctx.backend.releaseLease(key, 'b');
      expect(await ctx.backend.acquireLease(key, 'b', LONG_TTL)).toBe(false);
      await ctx.backend.releaseLease(key, 'a');
      expect(await ctx.backend.renewLease(key, 'a', LONG_TTL)).toBe(false);
      expect(await ctx.backend.acquireLease(key, 'b', LONG_TTL)).toBe(true);
      await ctx.backend.releaseLease(key, 'a');
      expect(await ctx.backend.acquireLease(key, 'a', LONG_TTL)).toBe(false);
      await ctx.backend.releaseLease(uniqueQueue('lease'), 'a');
    });

    it('lets exactly one of 10 concurrent owners acquire a free lease', async () => {
      const key = uniqueQueue('lease');
      const owners = Array.from({ length: 10 }, (_, i) => `owner-${i}`);
      const wins = await Promise.all(owners.map((owner) => ctx.backend.acquireLease(key, owner, LONG_TTL)));
      expect(wins.filter(Boolean)).toHaveLength(1);
      const winner = owners[wins.indexOf(true)]!;
      expect(await ctx.backend.renewLease(key, winner, LONG_TTL)).toBe(true);
    });

    it('a renewal pushes expiry out, so another owner cannot take the lease', async () => {
      const key = uniqueQueue('lease');
      const start = Date.now();
      await ctx.backend.acquireLease(key, 'a', ctx.seconds(0.3));
      expect(await ctx.backend.renewLease(key, 'a', LONG_TTL)).toBe(true);
      await clockPassed(start, ctx.ms(600));
      expect(await ctx.backend.acquireLease(key, 'b', LONG_TTL)).toBe(false);
      expect(await ctx.backend.renewLease(key, 'a', LONG_TTL)).toBe(true);
    });

    it('expiry frees the lease for another owner; the old holder cannot renew', async () => {
      const key = uniqueQueue('lease');
      await expectExpiry(
        ctx,
        (ttl) => ctx.backend.acquireLease(key, 'owner-a', ttl),
        async () => !(await ctx.backend.acquireLease(key, 'owner-b', LONG_TTL)),
      );
      expect(await ctx.backend.renewLease(key, 'owner-a', LONG_TTL)).toBe(false);
      expect(await ctx.backend.renewLease(key, 'owner-b', LONG_TTL)).toBe(true);
    });
  });
}
