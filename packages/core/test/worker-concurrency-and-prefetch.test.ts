import { ConfigError } from '@celeriac/core';
import { afterEach, describe, expect, it } from 'vitest';
import { closeApps, deferred, makeApp, waitFor, waitForStats } from './helpers.ts';

afterEach(closeApps);

describe('worker concurrency', () => {
  it('never runs more than `concurrency` tasks at once, and does reach it', async () => {
    const app = makeApp();
    let running = 0;
    let maxRunning = 0;
    const work = app.task('work', async (n: number) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      // Simulated work, so several tasks overlap.
      await new Promise((resolve) => setTimeout(resolve, 15));
      running--;
      return n;
    });
    const results = await work.applyBulk(Array.from({ length: 12 }, (_, i) => [i] as [number]));
    const worker = app.worker({ concurrency: 3 });
    expect(worker.concurrency).toBe(3);
    await worker.start();

    const values = await Promise.all(results.map((result) => result.get({ timeout: 10_000 })));

    expect(values).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(maxRunning).toBe(3);
    expect(running).toBe(0);
  });

  it('rejects a concurrency that is not an integer ≥ 1 with ConfigError', () => {
    const app = makeApp();
    expect(() => app.worker({ concurrency: 0 })).toThrow(ConfigError);
    expect(() => app.worker({ concurrency: 1.5 })).toThrow(ConfigError);
  });
});

describe('prefetch', () => {
  it('prefetchMultiplier 0 is a ConfigError', () => {
    const app = makeApp();
    expect(() => app.worker({ concurrency: 1, prefetchMultiplier: 0 })).toThrow(ConfigError);
    expect(() => app.worker({ concurrency: 1, prefetchMultiplier: -1 })).toThrow(ConfigError);
    expect(() => app.worker({ concurrency: 1, prefetchMultiplier: 0 })).toThrow(/prefetchMultiplier/);
  });

  it('by default (prefetch 1) a concurrency-1 worker holds only the task it runs', async () => {
    const app = makeApp();
    const started = deferred();
    const gate = deferred();
    const block = app.task('block', async (n: number) => {
      started.resolve();
      await gate.promise;
      return n;
    });
    const results = await block.applyBulk([[1], [2], [3], [4]]);
    const worker = app.worker({ concurrency: 1 });
    expect(worker.prefetch).toBe(1);
    await worker.start();
    await started.promise;

    const stats = await (await app.broker()).stats('default');
    expect(stats).toMatchObject({ ready: 3, unacked: 1 });

    gate.resolve();
    expect(await Promise.all(results.map((result) => result.get({ timeout: 5_000 })))).toEqual([1, 2, 3, 4]);
    await waitForStats(app, 'default', { ready: 0, unacked: 0 });
  });

  it('prefetchMultiplier 2 holds concurrency × 2 deliveries, and runs only `concurrency` of them', async () => {
    const app = makeApp();
    const gate = deferred();
    let started = 0;
    const block = app.task('block.prefetch', async () => {
      started++;
      await gate.promise;
      return null;
    });
    const results = await block.applyBulk([[], [], [], [], [], []]);
    const worker = app.worker({ concurrency: 2, prefetchMultiplier: 2 });
    expect(worker.prefetch).toBe(4);
    await worker.start();

    await waitForStats(app, 'default', { ready: 2, unacked: 4 });
    await waitFor(() => started === 2);
    expect(worker.active).toBe(2);

    gate.resolve();
    await Promise.all(results.map((result) => result.get({ timeout: 5_000 })));
    expect(started).toBe(6);
  });
});
