import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeRedis } from './helpers.ts';
import { CrossProcessKit, fixtureTasks } from './worker-processes.ts';

describeRedis('deduplication by taskId (Redis)', () => {
  let kit: CrossProcessKit;
  beforeEach(() => {
    kit = new CrossProcessKit();
  });
  afterEach(() => kit.close());

  it('producers in two apps racing with one taskId enqueue one message, which runs once', async () => {
    const tasks = fixtureTasks(kit.app);
    const other = kit.otherApp();
    const taskId = `dedup-${randomUUID()}`;

    const results = await Promise.all([
      tasks.count.applyAsync(['dedup'], { taskId }),
      tasks.count.applyAsync(['dedup'], { taskId }),
      other.sendTask('xp.count', ['dedup'], { taskId }),
      other.sendTask('xp.count', ['dedup'], { taskId }),
    ]);

    expect(results.map((result) => result.id)).toEqual([taskId, taskId, taskId, taskId]);
    expect(await kit.broker.stats('default')).toMatchObject({ ready: 1, delayed: 0 });

    await kit.spawnWorker({ hostname: 'dedup-process', concurrency: 4 });
    expect(await results[0]?.get({ timeout: 10_000 })).toBe('dedup');
    await expect.poll(() => kit.broker.stats('default'), { timeout: 5_000 }).toMatchObject({ ready: 0, unacked: 0 });
    expect(await kit.redis.get(kit.key('ran:dedup'))).toBe('1');
  });

  it('a taskId that is delayed or running is not sent again', async () => {
    const tasks = fixtureTasks(kit.app);
    const delayedId = `delayed-${randomUUID()}`;
    await tasks.count.applyAsync(['delayed'], { taskId: delayedId, countdown: 60 });
    await tasks.count.applyAsync(['delayed'], { taskId: delayedId });
    expect(await kit.broker.stats('default')).toMatchObject({ ready: 0, delayed: 1 });

    await kit.spawnWorker({ hostname: 'dedup-running', concurrency: 2 });
    const runningId = `running-${randomUUID()}`;
    const running = await tasks.block.applyAsync(['dedup-running', 'ignore'], { taskId: runningId });
    await expect.poll(() => running.state(), { timeout: 10_000, interval: 20 }).toBe('STARTED');
    await tasks.block.applyAsync(['dedup-running', 'ignore'], { taskId: runningId });
    expect(await kit.broker.stats('default')).toMatchObject({ ready: 0, unacked: 1 });

    await kit.redis.set(kit.key('release:dedup-running'), '1');
    await running.get({ timeout: 10_000 });
    await expect.poll(() => kit.broker.stats('default'), { timeout: 5_000 }).toMatchObject({ unacked: 0 });
    expect((await kit.blockStarts()).filter((start) => start.id === runningId)).toHaveLength(1);
  });

  it('the id is free as soon as the final state is visible: sent again at once, it runs again (10 rounds)', async () => {
    const tasks = fixtureTasks(kit.app);
    await kit.spawnWorker({ hostname: 'dedup-again', concurrency: 1 });
    const taskId = `again-${randomUUID()}`;

    const outcomes: string[] = [];
    for (let round = 1; round <= 10; round++) {
      // Each round's call returns its own label, so this round's result is told apart from the last one's.
      const label = `again-${round}`;
      const result = await tasks.count.applyAsync([label], { taskId });
      // As soon as this round's SUCCESS is visible, the next round sends the same id again.
      const deadline = Date.now() + 3_000;
      while ((await result.info()) !== label && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const seen = await result.info();
      outcomes.push(seen === label ? 'ran' : `round ${round}: not run (result still ${JSON.stringify(seen)})`);
      if (seen !== label) break;
    }

    expect(outcomes).toEqual(Array.from({ length: 10 }, () => 'ran'));
  });
});
