import { ConfigError } from '@celeriac/core';
import { afterEach, describe, expect, it } from 'vitest';
import { closeApps, makeApp } from './helpers.ts';

afterEach(closeApps);

describe('countdown and eta', () => {
  it('countdown: 1 runs no earlier than 1 s after the call, waiting in the broker meanwhile', async () => {
    const app = makeApp();
    const startedAt: number[] = [];
    const stamp = app.task('stamp', () => {
      startedAt.push(Date.now());
      return null;
    });
    await app.worker({ concurrency: 1 }).start();

    const calledAt = Date.now();
    const result = await stamp.applyAsync([], { countdown: 1 });
    expect(await (await app.broker()).stats('default')).toMatchObject({ delayed: 1, ready: 0 });

    await result.get({ timeout: 5_000 });
    expect(startedAt).toHaveLength(1);
    expect(startedAt[0]! - calledAt).toBeGreaterThanOrEqual(1_000);
  });

  it('eta as a Date runs no earlier than that time', async () => {
    const app = makeApp();
    let startedAt = 0;
    const stamp = app.task('stamp.date', () => {
      startedAt = Date.now();
      return null;
    });
    await app.worker({ concurrency: 1 }).start();
    const eta = new Date(Date.now() + 300);

    await (await stamp.applyAsync([], { eta })).get({ timeout: 5_000 });

    expect(startedAt).toBeGreaterThanOrEqual(eta.getTime());
  });

  it('eta as an ISO-8601 string runs no earlier than that time', async () => {
    const app = makeApp();
    let startedAt = 0;
    const stamp = app.task('stamp.iso', () => {
      startedAt = Date.now();
      return null;
    });
    await app.worker({ concurrency: 1 }).start();
    const eta = new Date(Date.now() + 300).toISOString();

    const result = await stamp.applyAsync([], { eta });
    expect((await (await app.broker()).stats('default')).delayed).toBe(1);
    await result.get({ timeout: 5_000 });

    expect(startedAt).toBeGreaterThanOrEqual(Date.parse(eta));
  });

  it('an eta in the past runs at once', async () => {
    const app = makeApp();
    const stamp = app.task('stamp.past', () => 'now');
    await app.worker({ concurrency: 1 }).start();

    const result = await stamp.applyAsync([], { eta: new Date(Date.now() - 60_000) });

    expect(await result.get({ timeout: 2_000 })).toBe('now');
  });

  it('a bad countdown or eta is a ConfigError at the call', async () => {
    const app = makeApp();
    const stamp = app.task('stamp.bad', () => null);

    await expect(stamp.applyAsync([], { countdown: -1 })).rejects.toThrow(ConfigError);
    await expect(stamp.applyAsync([], { eta: 'not a date' })).rejects.toThrow(ConfigError);
    expect(await (await app.broker()).stats('default')).toMatchObject({ ready: 0, delayed: 0 });
  });
});

describe('priority', () => {
  it('priority 9 overtakes a backlog of priority 0', async () => {
    const app = makeApp();
    const order: number[] = [];
    const record = app.task('record', (n: number) => {
      order.push(n);
      return n;
    });
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await record.applyAsync([i], { priority: 0 }));
    results.push(await record.applyAsync([99], { priority: 9 }));
    await app.worker({ concurrency: 1 }).start();

    await Promise.all(results.map((result) => result.get({ timeout: 5_000 })));

    expect(order[0]).toBe(99);
    expect(order).toEqual([99, 0, 1, 2, 3, 4]);
  });

  it('the task option priority applies when the call sets none', async () => {
    const app = makeApp();
    const order: string[] = [];
    const low = app.task('low', () => {
      order.push('low');
      return null;
    });
    const urgent = app.task(
      'urgent',
      () => {
        order.push('urgent');
        return null;
      },
      { priority: 5 },
    );
    const results = [await low.delay(), await low.delay(), await urgent.delay()];
    await app.worker({ concurrency: 1 }).start();

    await Promise.all(results.map((result) => result.get({ timeout: 5_000 })));

    expect(order).toEqual(['urgent', 'low', 'low']);
  });

  it('a priority outside 0–9 is a ConfigError at the call', async () => {
    const app = makeApp();
    const job = app.task('job.priority', () => null);

    await expect(job.applyAsync([], { priority: 10 })).rejects.toThrow(ConfigError);
    await expect(job.applyAsync([], { priority: 1.5 })).rejects.toThrow(ConfigError);
    expect((await (await app.broker()).stats('default')).ready).toBe(0);
  });
});
