import type { AsyncResult } from '@celeriac/core';
import { expect, it } from 'vitest';
import { describeRedis } from './helpers.ts';
import { expectStats, pendingEntries, pollUntil, runCounts, scopePerTest, startWorker } from './reliability.ts';

const openScope = scopePerTest();

describeRedis('a worker process killed with SIGKILL while tasks run', () => {
  it('loses no task: a second worker finishes every one, and tasks acknowledged before the kill do not run again', async () => {
    const { prefix, admin, producer } = openScope();
    const total = 30;
    // acksLate is the default: each task is acknowledged once it has finished.
    const first = await startWorker({ prefix, visibilityTimeout: 3, concurrency: 3, prefetchMultiplier: 2 });
    const results: AsyncResult[] = [];
    for (let i = 0; i < total; i++) results.push(await producer.app.sendTask('rel.work', [400]));
    const ids = results.map((result) => result.id);

    // Kill once several tasks have finished (and were acknowledged) and others are mid-run.
    await pollUntil(
      () => runCounts(admin, prefix),
      ({ starts, finishes }) => finishes.size >= 6 && starts.size - finishes.size >= 2,
      {
        timeout: 30_000,
        message: (counts) => `started ${counts?.starts.size}, finished ${counts?.finishes.size}; ${first.stderr()}`,
      },
    );
    await first.kill();

    // What the dead worker left: runs so far, and the messages still leased to it (unacknowledged).
    const atKill = await runCounts(admin, prefix);
    const leased = await pendingEntries(admin, prefix, 'default');
    expect(leased.every((entry) => entry.consumer.includes(`:${first.pid}:`))).toBe(true);
    const unacked = new Set(leased.map((entry) => entry.messageId));
    const midRun = ids.filter((id) => atKill.starts.has(id) && !atKill.finishes.has(id));
    const ackedBeforeKill = ids.filter((id) => atKill.finishes.has(id) && !unacked.has(id));
    expect(midRun.length).toBeGreaterThan(0);
    expect(ackedBeforeKill.length).toBeGreaterThan(0);
    // A task that had not finished cannot have been acknowledged.
    for (const id of midRun) expect(unacked, `mid-run task ${id} is still leased`).toContain(id);

    // The second worker recovers the dead worker's leases (after visibilityTimeout) and drains the queue.
    const second = await startWorker({ prefix, visibilityTimeout: 3, concurrency: 3, prefetchMultiplier: 2 });
    const outcomes = await Promise.all(results.map((result) => result.get({ timeout: 60_000 })));

    expect(outcomes).toHaveLength(total);
    const { starts } = await runCounts(admin, prefix);
    for (const id of ids) {
      const runs = starts.get(id) ?? 0;
      if (unacked.has(id)) {
        // Leased at the kill: run again by the second worker, so at most twice.
        expect(runs, `runs of ${id} (leased at the kill)`).toBeGreaterThanOrEqual(1);
        expect(runs, `runs of ${id} (leased at the kill)`).toBeLessThanOrEqual(2);
      } else {
        expect(runs, `runs of ${id} (not leased at the kill)`).toBe(1);
      }
    }
    // Interrupted tasks ran a second time, on the second worker, as redeliveries.
    const redelivered = new Set(
      second.lines.filter((line) => line.event === 'started' && line.redelivered).map((line) => line.id),
    );
    for (const id of midRun) {
      expect(starts.get(id), `runs of interrupted task ${id}`).toBe(2);
      expect(redelivered, `interrupted task ${id} came back marked redelivered`).toContain(id);
    }
    // Results of tasks acknowledged before the kill are still the first worker's: nothing re-ran them.
    for (const id of ackedBeforeKill) {
      expect(outcomes[ids.indexOf(id)], `result of ${id}`).toEqual({ pid: first.pid });
    }
    for (const id of midRun) expect(outcomes[ids.indexOf(id)], `result of ${id}`).toEqual({ pid: second.pid });
    await expectStats(producer.broker, 'default', { ready: 0, delayed: 0, unacked: 0, dead: 0 });
  }, 90_000);
});
