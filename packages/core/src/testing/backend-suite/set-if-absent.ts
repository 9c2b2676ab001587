import { describe, expect, it } from 'vitest';
import { uniqueQueue } from '../helpers/unique-queue.ts';
import type { BackendSuiteContext } from './context.ts';
import { LONG_TTL } from './fixtures.ts';

/** `setIfAbsent`, `get`, `delete`: markers for dedup and revokes. */
export function setIfAbsentTests(ctx: BackendSuiteContext): void {
  describe('setIfAbsent, get and delete', () => {
    it('sets an absent key once; later calls keep the first value', async () => {
      const key = uniqueQueue('key');
      expect(await ctx.backend.get(key)).toBeNull();
      expect(await ctx.backend.setIfAbsent(key, 'first', LONG_TTL)).toBe(true);
      expect(await ctx.backend.setIfAbsent(key, 'second', LONG_TTL)).toBe(false);
      expect(await ctx.backend.get(key)).toBe('first');
    });

    it('lets exactly one of 20 concurrent callers win, and keeps its value', async () => {
      const key = uniqueQueue('key');
      const wins = await Promise.all(
        Array.from({ length: 20 }, (_, i) => ctx.backend.setIfAbsent(key, `caller-${i}`, LONG_TTL)),
      );
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect(await ctx.backend.get(key)).toBe(`caller-${wins.indexOf(true)}`);
    });

    it('sets the key again after delete; delete of an unknown key is harmless', async () => {
      const key = uniqueQueue('key');
      await ctx.backend.setIfAbsent(key, 'first', LONG_TTL);
      await ctx.backend.delete(key);
      await ctx.backend.delete(uniqueQueue('key'));
      expect(await ctx.backend.get(key)).toBeNull();
      expect(await ctx.backend.setIfAbsent(key, 'again', LONG_TTL)).toBe(true);
      expect(await ctx.backend.get(key)).toBe('again');
    });

    it('keeps values as given (empty, unicode, JSON text) and keys apart', async () => {
      const values = ['', 'Grüße 🚀', '{"revoked":true,"at":"2026-01-01T00:00:00Z"}', ' spaced \n'];
      const keys = values.map(() => uniqueQueue('key'));
      for (const [i, key] of keys.entries())
        expect(await ctx.backend.setIfAbsent(key, values[i]!, LONG_TTL)).toBe(true);
      for (const [i, key] of keys.entries()) expect(await ctx.backend.get(key)).toBe(values[i]);
    });
  });
}
