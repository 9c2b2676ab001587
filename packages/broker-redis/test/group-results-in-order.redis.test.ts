import { group } from '@celeriac/core';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeRedis } from './helpers.ts';
import { CrossProcessKit, fixtureTasks } from './worker-processes.ts';

describeRedis('group on Redis', () => {
  let kit: CrossProcessKit;
  beforeEach(() => {
    kit = new CrossProcessKit();
  });
  afterEach(() => kit.close());

  it('a group of 20 run by two worker processes returns 20 results in member order', async () => {
    const tasks = fixtureTasks(kit.app);
    await Promise.all([
      kit.spawnWorker({ hostname: 'group-a', concurrency: 5 }),
      kit.spawnWorker({ hostname: 'group-b', concurrency: 5 }),
    ]);

    const result = await group(Array.from({ length: 20 }, (_, n) => tasks.member.s(n))).applyAsync();
    const values = await result.get({ timeout: 20_000 });

    expect(result.results).toHaveLength(20);
    expect(values.map((value) => value.n)).toEqual(Array.from({ length: 20 }, (_, n) => n));
    expect(new Set(values.map((value) => value.hostname))).toEqual(new Set(['group-a', 'group-b']));
    expect(await result.ready()).toBe(true);
    expect(await result.completedCount()).toBe(20);
    // Each member handle, rebuilt from its id as a browser would, reads the same result.
    const fifth = kit.otherApp().result<{ n: number }>(result.results[5]?.id as string);
    expect((await fifth.get({ timeout: 5_000 })).n).toBe(5);
  });

  it('before the workers run anything, the group is not ready and counts 0 completed', async () => {
    const tasks = fixtureTasks(kit.app);
    const result = await group(Array.from({ length: 20 }, (_, n) => tasks.member.s(n))).applyAsync();

    expect(await result.ready()).toBe(false);
    expect(await result.completedCount()).toBe(0);
    expect(await kit.broker.stats('default')).toMatchObject({ ready: 20 });

    await kit.spawnWorker({ hostname: 'group-late', concurrency: 10 });
    expect((await result.get({ timeout: 20_000 })).map((value) => value.n)).toEqual(
      Array.from({ length: 20 }, (_, n) => n),
    );
    expect(await result.completedCount()).toBe(20);
  });
});
