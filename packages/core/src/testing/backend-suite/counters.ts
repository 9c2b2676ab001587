import { describe, expect, it } from 'vitest';
import { uniqueQueue } from '../helpers/unique-queue.ts';
import type { BackendSuiteContext } from './context.ts';

/** `incr`: atomic integer counters (chord counting). */
export function counterTests(ctx: BackendSuiteContext): void {
  describe('counters', () => {
    it('adds 1 by default, starting from 0', async () => {
      const key = uniqueQueue('counter');
      expect(await ctx.backend.incr(key)).toBe(1);
      expect(await ctx.backend.incr(key)).toBe(2);
      expect(await ctx.backend.incr(key, {})).toBe(3);
    });

    it('adds `by`', async () => {
      const key = uniqueQueue('counter');
      expect(await ctx.backend.incr(key, { by: 5 })).toBe(5);
      expect(await ctx.backend.incr(key, { by: 10 })).toBe(15);
      expect(await ctx.backend.incr(key)).toBe(16);
    });

    it('counts 50 concurrent increments exactly, each seeing a different value', async () => {
      const key = uniqueQueue('counter');
      const values = await Promise.all(Array.from({ length: 50 }, () => ctx.backend.incr(key)));
      expect([...values].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(await ctx.backend.incr(key, { by: 0 })).toBe(50);
    });

    it('keeps counters apart, readable with get and reset by delete', async () => {
      const [a, b] = [uniqueQueue('counter'), uniqueQueue('counter')];
      await ctx.backend.incr(a, { by: 7 });
      expect(await ctx.backend.incr(b)).toBe(1);
      expect(await ctx.backend.get(a)).toBe('7');
      await ctx.backend.delete(a);
      expect(await ctx.backend.get(a)).toBeNull();
      expect(await ctx.backend.incr(a)).toBe(1);
      expect(await ctx.backend.get(b)).toBe('1');
    });
  });
}
