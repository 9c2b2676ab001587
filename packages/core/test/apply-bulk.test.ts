import { AsyncResult } from '@celeriac/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { closeApps, makeApp } from './helpers.ts';

afterEach(closeApps);

describe('applyBulk', () => {
  it('publishes N tasks in one broker call and all results come back in order', async () => {
    const app = makeApp();
    const double = app.task('double', async (n: number) => {
      // Later calls finish first, so order of results is not order of completion.
      await new Promise((resolve) => setTimeout(resolve, (20 - n) % 5));
      return n * 2;
    });
    const broker = await app.broker();
    const publish = vi.spyOn(broker, 'publish');
    const argsList = Array.from({ length: 20 }, (_, i) => [i] as [number]);

    const results = await double.applyBulk(argsList);

    expect(publish).toHaveBeenCalledTimes(1);
    expect(publish.mock.calls[0]?.[0]).toHaveLength(20);
    expect(results).toHaveLength(20);
    expect(results.every((result) => result instanceof AsyncResult)).toBe(true);
    expect(new Set(results.map((result) => result.id)).size).toBe(20);
    expect((await broker.stats('default')).ready).toBe(20);

    await app.worker({ concurrency: 4 }).start();
    const values = await Promise.all(results.map((result) => result.get({ timeout: 5_000 })));
    expect(values).toEqual(argsList.map(([n]) => n * 2));
  });

  it('applies the shared call options to every task', async () => {
    const app = makeApp();
    const job = app.task('bulk.options', (n: number) => n);

    await job.applyBulk([[1], [2], [3]], { queue: 'bulk_q', countdown: 30 });

    expect(await (await app.broker()).stats('bulk_q')).toMatchObject({ delayed: 3, ready: 0 });
  });

  it('an empty list publishes nothing and resolves to []', async () => {
    const app = makeApp();
    const job = app.task('bulk.empty', (n: number) => n);
    const publish = vi.spyOn(await app.broker(), 'publish');

    expect(await job.applyBulk([])).toEqual([]);
    expect(publish).not.toHaveBeenCalled();
  });

  it('one taskId for several calls is refused', async () => {
    const app = makeApp();
    const job = app.task('bulk.taskid', (n: number) => n);

    await expect(job.applyBulk([[1], [2]], { taskId: 'same' })).rejects.toThrow(TypeError);
    expect((await (await app.broker()).stats('default')).ready).toBe(0);
  });
});
