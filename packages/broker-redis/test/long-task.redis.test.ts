import { expect, it } from 'vitest';
import { describeRedis } from './helpers.ts';
import { expectStats, pendingEntries, pollUntil, runCounts, scopePerTest, startWorker } from './reliability.ts';

const openScope = scopePerTest();

describeRedis('a task longer than the visibility timeout', () => {
  it('runs exactly once, and so does the task prefetched behind it (held deliveries keep their lease)', async () => {
    const { prefix, admin, producer } = openScope();
    // One slot, two deliveries held: the long task runs, the short one waits prefetched behind it.
    const holder = await startWorker({ prefix, visibilityTimeout: 2, concurrency: 1, prefetchMultiplier: 2 });
    const sentAt = Date.now();
    const long = await producer.app.sendTask('rel.work', [6000]);
    const short = await producer.app.sendTask('rel.work', [50]);
    await pollUntil(
      () => pendingEntries(admin, prefix, 'default'),
      (pending) => pending.length === 2,
      { timeout: 10_000, message: (pending) => `leased: ${JSON.stringify(pending)}; ${holder.stderr()}` },
    );
    // An idle second worker would take any message whose lease ran out: a second run would show.
    const idle = await startWorker({ prefix, visibilityTimeout: 2, concurrency: 1 });

    const [longResult, shortResult] = await Promise.all([
      long.get({ timeout: 30_000 }),
      short.get({ timeout: 30_000 }),
    ]);

    expect(longResult).toEqual({ pid: holder.pid });
    expect(shortResult).toEqual({ pid: holder.pid });
    const { starts } = await runCounts(admin, prefix);
    expect(Object.fromEntries(starts)).toEqual({ [long.id]: 1, [short.id]: 1 });
    expect(idle.started()).toEqual([]);
    const shortStart = holder.lines.find((line) => line.event === 'started' && line.id === short.id)!;
    // It really waited behind the long task, three visibility timeouts, without being redelivered.
    expect(shortStart.at - sentAt).toBeGreaterThanOrEqual(5_500);
    expect(holder.lines.filter((line) => line.event === 'started').map((line) => line.redelivered)).toEqual([
      false,
      false,
    ]);
    await expectStats(producer.broker, 'default', { ready: 0, delayed: 0, unacked: 0, dead: 0 });
  }, 60_000);
});
