import { describe, expect, it } from 'vitest';
import { uniqueQueue } from '../helpers/unique-queue.ts';
import type { BackendSuiteContext } from './context.ts';
import { bareRecord, LONG_TTL, record } from './fixtures.ts';

/** Result records: `setResult`, `getResult`, `getResults`, `forget`. */
export function resultTests(ctx: BackendSuiteContext): void {
  describe('results', () => {
    it('resolves null for an unknown task', async () => {
      expect(await ctx.backend.getResult(uniqueQueue('task'))).toBeNull();
    });

    it('returns the record as set, every field intact', async () => {
      const id = uniqueQueue('task');
      const failed = uniqueQueue('task');
      const error = { name: 'ValueError', message: 'bad "input"', stack: 'ValueError: bad\n    at task (x.ts:1:1)' };
      await ctx.backend.setResult(record(id), LONG_TTL);
      await ctx.backend.setResult(record(failed, { state: 'FAILURE', result: undefined, error }), LONG_TTL);
      expect(await ctx.backend.getResult(id)).toEqual(record(id));
      expect(await ctx.backend.getResult(failed)).toEqual(
        record(failed, { state: 'FAILURE', result: undefined, error }),
      );
    });

    it('setResult replaces the whole record, dropping fields the new one lacks', async () => {
      const id = uniqueQueue('task');
      await ctx.backend.setResult(record(id, { state: 'PROGRESS', dateDone: null }), LONG_TTL);
      await ctx.backend.setResult(bareRecord(id, 'RETRY'), LONG_TTL);
      const stored = await ctx.backend.getResult(id);
      expect(stored).toEqual(bareRecord(id, 'RETRY'));
      expect(Object.keys(stored ?? {}).sort()).toEqual(Object.keys(bareRecord(id, 'RETRY')).sort());
    });

    it('getResults returns records in the order asked, with null where unknown', async () => {
      const [a, b, missing] = [uniqueQueue('task'), uniqueQueue('task'), uniqueQueue('task')];
      await ctx.backend.setResult(record(a), LONG_TTL);
      await ctx.backend.setResult(bareRecord(b, 'STARTED'), LONG_TTL);
      expect(await ctx.backend.getResults([b, missing, a, b])).toEqual([
        bareRecord(b, 'STARTED'),
        null,
        record(a),
        bareRecord(b, 'STARTED'),
      ]);
      expect(await ctx.backend.getResults([])).toEqual([]);
    });

    it('forget deletes the record, and is harmless for an unknown task', async () => {
      const [kept, forgotten] = [uniqueQueue('task'), uniqueQueue('task')];
      await ctx.backend.setResult(record(kept), LONG_TTL);
      await ctx.backend.setResult(record(forgotten), LONG_TTL);
      await ctx.backend.forget(forgotten);
      await ctx.backend.forget(uniqueQueue('task'));
      expect(await ctx.backend.getResults([forgotten, kept])).toEqual([null, record(kept)]);
      await ctx.backend.setResult(bareRecord(forgotten, 'PENDING'), LONG_TTL);
      expect(await ctx.backend.getResult(forgotten)).toEqual(bareRecord(forgotten, 'PENDING'));
    });
  });
}
