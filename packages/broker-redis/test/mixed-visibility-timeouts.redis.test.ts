import { expect, it } from 'vitest';
import { describeRedis } from './helpers.ts';
import { pendingEntries, pollUntil, runCounts, scopePerTest, startWorker } from './reliability.ts';

const openScope = scopePerTest();

describeRedis('workers of one queue configured with different visibility timeouts', () => {
  // The recovery sweep of every worker honours the lease of the worker that holds a delivery
  // (recorded in its consumer name), not its own: a worker started with a shorter timeout than the
  // others (a typo, a second deployment, a CLI default) must not take their healthy leases.
  it("a long task is not run twice when another worker's timeout is shorter", async () => {
    const { prefix, admin, producer } = openScope();
    // Renews every 2/3 s, so its leases are never idle for more than about 0.7 s.
    const holder = await startWorker({ prefix, visibilityTimeout: 2, concurrency: 1 });
    const long = await producer.app.sendTask('rel.work', [3000]);
    await pollUntil(
      () => pendingEntries(admin, prefix, 'default'),
      (pending) => pending.length === 1,
      { timeout: 10_000, message: () => holder.stderr() },
    );
    // Sweeps every 0.1 s, reclaiming whatever has been idle for 0.3 s.
    await startWorker({ prefix, visibilityTimeout: 0.3, concurrency: 1 });

    await long.get({ timeout: 30_000 });
    await pollUntil(
      () => producer.broker.stats('default'),
      (stats) => stats.unacked === 0 && stats.ready === 0,
      { timeout: 15_000, message: (stats) => JSON.stringify(stats) },
    );
    const { starts } = await runCounts(admin, prefix);
    expect(starts.get(long.id)).toBe(1);
  }, 60_000);
});
