import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CeleryWorker, celeryMissing, startCeleryWorker, uniqueQueue } from './python.ts';
import { celeryModeApp, flushInteropDb, redisCeleryEnv, redisMissing, runPython } from './redis-env.ts';

const skip = celeryMissing || redisMissing;

// kombu 5.2's Redis transport serves its priority 0 first (it BRPOPs `queue`, `queue\x06\x163`, …
// in step order); Celeriac's 9 runs first. The broker writes kombu priority = 9 − Celeriac priority.
describe.skipIf(skip !== '')(
  `priorities cross as each side means them, over Redis${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    const closing: (() => Promise<unknown>)[] = [];
    beforeEach(flushInteropDb);
    afterEach(async () => {
      for (const close of closing.splice(0)) await close();
    });

    it("a Celeriac worker runs what Python sent with priority=0 (kombu's first) before priority=9", async () => {
      const queue = uniqueQueue('prio-ts');
      await runPython(
        redisCeleryEnv(queue),
        [
          "app.send_task('ts.record', args=['kombu 9'], priority=9)",
          "app.send_task('ts.record', args=['kombu 0'], priority=0)",
        ].join('\n'),
      );
      const app = celeryModeApp({ defaultQueue: queue });
      closing.push(() => app.close());
      const ran: string[] = [];
      app.task('ts.record', (label: string) => {
        ran.push(label);
      });
      await app.worker({ queues: [queue], concurrency: 1 }).start();
      await expect.poll(() => ran.length, { timeout: 10_000 }).toBe(2);
      expect(ran).toEqual(['kombu 0', 'kombu 9']);
    });

    it('a Python worker runs what Celeriac sent with priority 9 before priority 0', async () => {
      const queue = uniqueQueue('prio-py');
      const app = celeryModeApp({ defaultQueue: queue });
      closing.push(() => app.close());
      const low = await app.sendTask('tasks.now', [], { priority: 0 });
      const high = await app.sendTask('tasks.now', [], { priority: 9 });
      const worker: CeleryWorker = await startCeleryWorker(redisCeleryEnv(queue));
      closing.push(() => worker.stop());
      const [lowAt, highAt] = (await Promise.all([
        low.get({ timeout: 20_000 }),
        high.get({ timeout: 20_000 }),
      ])) as number[];
      expect(highAt).toBeLessThan(lowAt!);
    });
  },
);
