import { describe, expect, it } from 'vitest';
import { uniqueQueue } from '../helpers/unique-queue.ts';
import type { BackendSuiteContext } from './context.ts';
import { LONG_TTL, record } from './fixtures.ts';

const LOG = { maxLines: 3, ttl: LONG_TTL };

/** Task logs: `appendLog` keeps the newest lines in order; `forget` removes them. */
export function logTests(ctx: BackendSuiteContext): void {
  describe('logs', () => {
    it('reads an empty log for an unknown task', async () => {
      expect(await ctx.backend.readLog(uniqueQueue('task'))).toEqual([]);
    });

    it('appends lines in order', async () => {
      const id = uniqueQueue('task');
      await ctx.backend.appendLog(id, ['one', 'two'], LOG);
      await ctx.backend.appendLog(id, ['three'], LOG);
      expect(await ctx.backend.readLog(id)).toEqual(['one', 'two', 'three']);
    });

    it('keeps only the newest maxLines, across calls and within one call', async () => {
      const id = uniqueQueue('task');
      await ctx.backend.appendLog(id, ['1', '2'], LOG);
      await ctx.backend.appendLog(id, ['3', '4'], LOG);
      expect(await ctx.backend.readLog(id)).toEqual(['2', '3', '4']);
      await ctx.backend.appendLog(id, ['5', '6', '7', '8', '9'], LOG);
      expect(await ctx.backend.readLog(id)).toEqual(['7', '8', '9']);
    });

    it('keeps lines as given and logs of tasks apart', async () => {
      const [a, b] = [uniqueQueue('task'), uniqueQueue('task')];
      const lines = ['', '  indented', 'Grüße 🚀', '{"level":30,"msg":"json line"}', 'multi\nline'];
      await ctx.backend.appendLog(a, lines, { maxLines: 10, ttl: LONG_TTL });
      await ctx.backend.appendLog(b, ['other'], LOG);
      expect(await ctx.backend.readLog(a)).toEqual(lines);
      expect(await ctx.backend.readLog(b)).toEqual(['other']);
    });

    it('forget removes the log with the record', async () => {
      const [id, kept] = [uniqueQueue('task'), uniqueQueue('task')];
      await ctx.backend.setResult(record(id), LONG_TTL);
      await ctx.backend.appendLog(id, ['line'], LOG);
      await ctx.backend.appendLog(kept, ['kept'], LOG);
      await ctx.backend.forget(id);
      expect(await ctx.backend.readLog(id)).toEqual([]);
      expect(await ctx.backend.getResult(id)).toBeNull();
      expect(await ctx.backend.readLog(kept)).toEqual(['kept']);
    });
  });
}
