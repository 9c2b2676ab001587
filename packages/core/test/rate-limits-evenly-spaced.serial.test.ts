import { performance } from 'node:perf_hooks';
import type { AsyncResult, Celeriac } from '@celeriac/core';
import { afterEach, describe, expect, it } from 'vitest';
import { closeApps, makeApp, uniqueMemoryUrl } from './helpers.ts';

// Timing-sensitive: start times are measured against the wall clock, so this file runs in the serial project.

afterEach(closeApps);

/** Gaps between consecutive start times, in ms, after sorting them. */
function intervals(starts: number[]): number[] {
  const sorted = [...starts].sort((a, b) => a - b);
  return sorted.slice(1).map((at, i) => at - (sorted[i] as number));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/**
 * 30 gaps of `period` ms: total within 10% of 30 × period, no two starts together (burst 1), and
 * most gaps near the period (a timer fired late on a loaded machine shortens the next gap only).
 */
function expectEvenlySpaced(gaps: number[], period: number): void {
  const shown = `gaps (ms): ${gaps.map(Math.round).join(' ')}`;
  const total = gaps.reduce((sum, gap) => sum + gap, 0);
  const expected = gaps.length * period;
  expect(total, shown).toBeGreaterThanOrEqual(expected * 0.9);
  expect(total, shown).toBeLessThanOrEqual(expected * 1.1);
  expect(Math.min(...gaps), shown).toBeGreaterThanOrEqual(period * 0.2);
  const near = gaps.filter((gap) => Math.abs(gap - period) <= period * 0.2).length;
  expect(near / gaps.length, shown).toBeGreaterThanOrEqual(0.8);
  expect(median(gaps), shown).toBeGreaterThanOrEqual(period * 0.9);
  expect(median(gaps), shown).toBeLessThanOrEqual(period * 1.15);
}

async function all(results: AsyncResult[]): Promise<void> {
  await Promise.all(results.map((result) => result.get({ timeout: 15_000 })));
}

/** Registers `name` on `app`, recording each start (performance.now()) and the worker that ran it. */
function timedTask(
  app: Celeriac,
  name: string,
  starts: number[],
  options: { rateLimit?: string; globalRateLimit?: string } = {},
) {
  return app.task(
    name,
    (ctx) => {
      starts.push(performance.now());
      return ctx.hostname;
    },
    { bind: true, ...options },
  );
}

describe('per-worker rate limit', () => {
  it("'10/s' on one worker: 31 tasks start evenly, ≈100 ms apart, 30 intervals within 10% of 3000 ms", async () => {
    const app = makeApp();
    const starts: number[] = [];
    const limited = timedTask(app, 'rate.ten.per.second', starts, { rateLimit: '10/s' });
    // Concurrency well above the rate: only the limit spaces the starts.
    await app.worker({ concurrency: 10 }).start();

    const results = await limited.applyBulk(Array.from({ length: 31 }, () => []));
    await all(results);

    expect(starts).toHaveLength(31);
    // Evenly spaced (burst 1): ≈100 ms apart, 30 intervals within 10% of 3000 ms.
    expectEvenlySpaced(intervals(starts), 100);
  });

  it('is per task type: an unlimited task is not held back by a limited one on the same worker', async () => {
    const app = makeApp();
    const limitedStarts: number[] = [];
    const freeStarts: number[] = [];
    const limited = timedTask(app, 'rate.limited.kind', limitedStarts, { rateLimit: '5/s' });
    const free = timedTask(app, 'rate.free.kind', freeStarts);
    await app.worker({ concurrency: 20 }).start();

    const before = performance.now();
    const slow = await limited.applyBulk(Array.from({ length: 6 }, () => []));
    const fast = await free.applyBulk(Array.from({ length: 10 }, () => []));
    await all(fast);
    const freeDone = performance.now() - before;
    await all(slow);

    expect(freeDone).toBeLessThan(500);
    expect(intervals(limitedStarts).reduce((sum, gap) => sum + gap, 0)).toBeGreaterThanOrEqual(900);
  });

  it('two workers with a per-worker limit of 10/s together start about 20 per second', async () => {
    // The contrast with globalRateLimit below: a per-worker limit does not hold across workers.
    const url = uniqueMemoryUrl('rate-per-worker');
    const starts: number[] = [];
    const apps = [makeApp({ broker: url }), makeApp({ broker: url })];
    const [producer] = apps.map((app) => timedTask(app, 'rate.per.worker.pair', starts, { rateLimit: '10/s' }));
    await Promise.all(apps.map((app, i) => app.worker({ concurrency: 10, hostname: `per-worker-${i}` }).start()));

    await all(await producer!.applyBulk(Array.from({ length: 21 }, () => [])));

    const total = intervals(starts).reduce((sum, gap) => sum + gap, 0);
    expect(total).toBeLessThan(1_500);
  });
});

describe('cluster-wide rate limit (globalRateLimit)', () => {
  it("'10/s' across 2 workers on one broker holds ≈10/s overall, and both workers take part", async () => {
    const url = uniqueMemoryUrl('rate-global');
    const starts: number[] = [];
    const apps = [makeApp({ broker: url }), makeApp({ broker: url })];
    const [producer] = apps.map((app) => timedTask(app, 'rate.global', starts, { globalRateLimit: '10/s' }));
    await Promise.all(apps.map((app, i) => app.worker({ concurrency: 10, hostname: `global-${i}` }).start()));

    const results = await producer!.applyBulk(Array.from({ length: 31 }, () => []));
    const hosts = (await Promise.all(results.map((result) => result.get({ timeout: 15_000 })))) as string[];

    expect(starts).toHaveLength(31);
    expectEvenlySpaced(intervals(starts), 100);
    expect(new Set(hosts), hosts.join(' ')).toEqual(new Set(['global-0', 'global-1']));
  });
});

describe('app.control.rateLimit', () => {
  it("changes a task type's spacing on live workers at run time, and null removes the limit", async () => {
    const url = uniqueMemoryUrl('rate-control');
    const workerApp = makeApp({ broker: url });
    const starts: number[] = [];
    timedTask(workerApp, 'rate.controlled', starts, { rateLimit: '50/s' });
    const worker = workerApp.worker({ concurrency: 10, hostname: 'rate-control-worker' });
    await worker.start();
    const controller = makeApp({ broker: url });
    const send = (n: number) =>
      Promise.all(Array.from({ length: n }, () => controller.sendTask('rate.controlled', [])));

    const replies = await controller.control.rateLimit('rate.controlled', '5/s', { limit: 1, timeout: 2_000 });
    expect(Object.keys(replies)).toEqual(['rate-control-worker']);

    await all(await send(11));
    const slowTotal = intervals(starts).reduce((sum, gap) => sum + gap, 0);
    // 10 intervals at 5/s: 2000 ms (the task's own 50/s would give 200 ms).
    const shown = `gaps (ms): ${intervals(starts).map(Math.round).join(' ')}`;
    expect(slowTotal, shown).toBeGreaterThanOrEqual(1_800);
    expect(slowTotal, shown).toBeLessThanOrEqual(2_200);
    expect(median(intervals(starts)), shown).toBeGreaterThanOrEqual(180);

    await controller.control.rateLimit('rate.controlled', null, { limit: 1, timeout: 2_000 });
    starts.length = 0;
    await all(await send(11));
    // No limit at all now (not even the task's own 50/s, which would need 200 ms).
    expect(intervals(starts).reduce((sum, gap) => sum + gap, 0)).toBeLessThan(200);
  });
});
