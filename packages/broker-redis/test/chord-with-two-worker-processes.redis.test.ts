import { chord } from '@celeriac/core';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeRedis } from './helpers.ts';
import { CrossProcessKit, fixtureTasks } from './worker-processes.ts';

describeRedis('chord across worker processes (Redis)', () => {
  let kit: CrossProcessKit;
  beforeEach(() => {
    kit = new CrossProcessKit();
  });
  afterEach(() => kit.close());

  it('a chord of 50 with 2 worker processes racing calls its callback exactly once, results in member order', async () => {
    const tasks = fixtureTasks(kit.app);
    await Promise.all([
      kit.spawnWorker({ hostname: 'chord-racer-a', concurrency: 10 }),
      kit.spawnWorker({ hostname: 'chord-racer-b', concurrency: 10 }),
    ]);
    const members = Array.from({ length: 50 }, (_, n) => tasks.member.s(n));

    const result = await chord(members, tasks.callback.s()).applyAsync();
    const value = await result.get({ timeout: 20_000 });

    expect(value.ns).toEqual(Array.from({ length: 50 }, (_, n) => n));
    // Both processes ran members: the count really was raced.
    expect(value.hosts).toEqual(['chord-racer-a', 'chord-racer-b']);
    // Wait until both processes are idle, so a second callback would have been sent and run by now.
    await expect
      .poll(async () => Object.values(await kit.app.control.inspect({ timeout: 2_000, limit: 2 }).active()).flat(), {
        timeout: 5_000,
      })
      .toEqual([]);
    expect(await kit.broker.stats('default')).toMatchObject({ ready: 0, unacked: 0 });
    expect(await kit.redis.get(kit.key('callback-calls'))).toBe('1');
  });

  it('three chords at once on the same two processes each complete once, with their own results', async () => {
    const tasks = fixtureTasks(kit.app);
    await Promise.all([
      kit.spawnWorker({ hostname: 'chords-a', concurrency: 10 }),
      kit.spawnWorker({ hostname: 'chords-b', concurrency: 10 }),
    ]);

    const results = await Promise.all(
      [0, 100, 200].map((base) =>
        chord(
          Array.from({ length: 20 }, (_, n) => tasks.member.s(base + n)),
          tasks.callback.s(),
        ).applyAsync(),
      ),
    );
    const values = await Promise.all(results.map((result) => result.get({ timeout: 20_000 })));

    expect(values.map((value) => value.ns)).toEqual(
      [0, 100, 200].map((base) => Array.from({ length: 20 }, (_, n) => base + n)),
    );
    await expect.poll(() => kit.broker.stats('default'), { timeout: 5_000 }).toMatchObject({ ready: 0, unacked: 0 });
    expect(await kit.redis.get(kit.key('callback-calls'))).toBe('3');
  });
});
