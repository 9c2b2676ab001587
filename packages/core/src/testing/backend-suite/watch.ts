import { describe, expect, it } from 'vitest';
import type { ResultBackend, ResultRecord } from '../../backend/result-backend.ts';
import { uniqueQueue } from '../helpers/unique-queue.ts';
import { waitFor } from '../helpers/wait-for.ts';
import type { BackendSuiteContext } from './context.ts';
import { bareRecord, LONG_TTL, record } from './fixtures.ts';

/** Watch `taskId` on `backend`, collecting what the listener receives. */
async function watchInto(backend: ResultBackend, taskId: string) {
  const received: ResultRecord[] = [];
  const unsubscribe = await backend.watch(taskId, (r) => received.push(r));
  return { received, unsubscribe };
}

/** `watch`: every `setResult` of a task wakes its listeners, from any instance. */
export function watchTests(ctx: BackendSuiteContext): void {
  const wait = (condition: () => boolean, message: () => string) =>
    waitFor(condition, { timeout: ctx.ms(5000), message });

  describe('watch', () => {
    it('calls the listener with every setResult of the task, in order', async () => {
      const id = uniqueQueue('task');
      const watcher = await watchInto(ctx.backend, id);
      const states = [bareRecord(id, 'STARTED'), record(id, { state: 'PROGRESS', dateDone: null }), record(id)];
      for (const r of states) await ctx.backend.setResult(r, LONG_TTL);
      await wait(
        () => watcher.received.length >= 3,
        () => `got ${watcher.received.length} of 3 records`,
      );
      expect(watcher.received).toEqual(states);
    });

    it('calls only the listeners of that task, and every one of them', async () => {
      const [id, other] = [uniqueQueue('task'), uniqueQueue('task')];
      const one = await watchInto(ctx.backend, id);
      const two = await watchInto(ctx.backend, id);
      const bystander = await watchInto(ctx.backend, other);
      await ctx.backend.setResult(record(id), LONG_TTL);
      // Set after the first, for the bystander: a leaked record would have reached it before this one.
      await ctx.backend.setResult(bareRecord(other, 'STARTED'), LONG_TTL);
      await wait(
        () => one.received.length >= 1 && two.received.length >= 1 && bystander.received.length >= 1,
        () => `watchers got ${one.received.length}, ${two.received.length}, ${bystander.received.length}`,
      );
      expect(one.received).toEqual([record(id)]);
      expect(two.received).toEqual([record(id)]);
      expect(bystander.received).toEqual([bareRecord(other, 'STARTED')]);
    });

    it('stops calling a listener once unsubscribed', async () => {
      const id = uniqueQueue('task');
      const stopped = await watchInto(ctx.backend, id);
      const kept = await watchInto(ctx.backend, id);
      await ctx.backend.setResult(bareRecord(id, 'STARTED'), LONG_TTL);
      await wait(
        () => stopped.received.length >= 1 && kept.received.length >= 1,
        () => `watchers got ${stopped.received.length}, ${kept.received.length}`,
      );
      await stopped.unsubscribe();
      await ctx.backend.setResult(bareRecord(id, 'PROGRESS'), LONG_TTL);
      await ctx.backend.setResult(record(id), LONG_TTL);
      await wait(
        () => kept.received.length >= 3,
        () => `kept watcher got ${kept.received.length} of 3`,
      );
      expect(stopped.received).toEqual([bareRecord(id, 'STARTED')]);
      expect(kept.received.map((r) => r.state)).toEqual(['STARTED', 'PROGRESS', 'SUCCESS']);
    });

    it('hears setResult from a second backend instance (crossProcess)', async (test) => {
      // Why skipped: an in-process backend (memory) has no second instance to hear from; the reason
      // is printed with the test, and every cross-process backend (Redis) runs it.
      test.skip(!ctx.backend.capabilities.crossProcess, `${ctx.name} lacks capabilities.crossProcess`);
      const id = uniqueQueue('task');
      const watcher = await watchInto(ctx.backend, id);
      const peer = await ctx.createBackend();
      await peer.setResult(bareRecord(id, 'STARTED'), LONG_TTL);
      await peer.setResult(record(id), LONG_TTL);
      await wait(
        () => watcher.received.length >= 2,
        () => `got ${watcher.received.length} of 2 records`,
      );
      expect(watcher.received).toEqual([bareRecord(id, 'STARTED'), record(id)]);
      expect(await ctx.backend.getResult(id)).toEqual(record(id));
    });
  });
}
