import { describe, expect, it } from 'vitest';
import { uniqueQueue } from '../helpers/unique-queue.ts';
import type { BackendSuiteContext } from './context.ts';
import { clockPassed, expectExpiry } from './expiry.ts';
import { LONG_TTL, record } from './fixtures.ts';

/** Expiry: every stored thing with a TTL disappears after it, and not before. */
export function ttlTests(ctx: BackendSuiteContext): void {
  describe('ttl', () => {
    it('expires a result record', async () => {
      const id = uniqueQueue('task');
      await expectExpiry(
        ctx,
        (ttl) => ctx.backend.setResult(record(id), ttl),
        async () => (await ctx.backend.getResult(id)) !== null,
      );
      expect(await ctx.backend.getResults([id])).toEqual([null]);
    });

    it('takes the TTL of the latest setResult', async () => {
      const id = uniqueQueue('task');
      const start = Date.now();
      await ctx.backend.setResult(record(id, { state: 'STARTED' }), ctx.seconds(0.3));
      await ctx.backend.setResult(record(id), LONG_TTL);
      await clockPassed(start, ctx.ms(600));
      expect(await ctx.backend.getResult(id)).toEqual(record(id));
    });

    it('expires a setIfAbsent key, which can then be set again', async () => {
      const key = uniqueQueue('key');
      await expectExpiry(
        ctx,
        (ttl) => ctx.backend.setIfAbsent(key, 'first', ttl),
        async () => (await ctx.backend.get(key)) !== null,
      );
      expect(await ctx.backend.setIfAbsent(key, 'second', LONG_TTL)).toBe(true);
      expect(await ctx.backend.get(key)).toBe('second');
    });

    it('expires a counter given a ttl, which then starts again from 0', async () => {
      const key = uniqueQueue('counter');
      await expectExpiry(
        ctx,
        (ttl) => ctx.backend.incr(key, { ttl }),
        async () => (await ctx.backend.get(key)) !== null,
      );
      expect(await ctx.backend.incr(key)).toBe(1);
    });

    it('expires a task log', async () => {
      const id = uniqueQueue('task');
      await expectExpiry(
        ctx,
        (ttl) => ctx.backend.appendLog(id, ['line'], { maxLines: 10, ttl }),
        async () => (await ctx.backend.readLog(id)).length > 0,
      );
    });
  });
}
