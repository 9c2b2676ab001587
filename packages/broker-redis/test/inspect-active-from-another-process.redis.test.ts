import type { TaskSummary } from '@celeriac/core';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeRedis } from './helpers.ts';
import { CrossProcessKit, fixtureTasks } from './worker-processes.ts';

describeRedis('remote control across processes (Redis)', () => {
  let kit: CrossProcessKit;
  beforeEach(() => {
    kit = new CrossProcessKit();
  });
  afterEach(() => kit.close());

  it('inspect().active() in this process lists the task a worker process is running', async () => {
    const tasks = fixtureTasks(kit.app);
    const worker = await kit.spawnWorker({ hostname: 'inspected-process', concurrency: 2 });

    const sentAt = Date.now();
    const result = await tasks.block.delay('inspect', 'ignore');
    // Started means the worker process holds it as active.
    await expect.poll(() => result.state(), { timeout: 10_000, interval: 20 }).toBe('STARTED');

    const active = await kit.app.control.inspect({ timeout: 3_000, limit: 1 }).active();

    expect(Object.keys(active)).toEqual([worker.hostname]);
    const listed = active[worker.hostname] as TaskSummary[];
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ id: result.id, name: 'xp.block', args: ['inspect', 'ignore'], queue: 'default' });
    // Same machine, same clock: it started after it was sent and before we asked.
    expect(listed[0]?.startedAt).toBeGreaterThanOrEqual(sentAt);
    expect(listed[0]?.startedAt).toBeLessThanOrEqual(Date.now());

    await kit.redis.set(kit.key('release:inspect'), '1');
    expect(await result.get({ timeout: 10_000 })).toEqual({ label: 'inspect', hostname: worker.hostname });
    // The result is stored just before the worker acknowledges and lets go of the task.
    await expect
      .poll(() => kit.app.control.inspect({ timeout: 3_000, limit: 1 }).active(), { timeout: 5_000 })
      .toEqual({ [worker.hostname]: [] });
  });

  it('ping() and stats() answer from every worker process, keyed by hostname', async () => {
    const [first, second] = await Promise.all([
      kit.spawnWorker({ hostname: 'process-a', concurrency: 3 }),
      kit.spawnWorker({ hostname: 'process-b', concurrency: 5 }),
    ]);

    expect(await kit.app.control.ping({ timeout: 3_000, limit: 2 })).toEqual({
      'process-a': { ok: 'pong' },
      'process-b': { ok: 'pong' },
    });
    const stats = await kit.app.control.inspect({ timeout: 3_000, limit: 2 }).stats();
    expect(stats['process-a']).toMatchObject({ concurrency: 3, pid: first.child.pid, queues: ['default'] });
    expect(stats['process-b']).toMatchObject({ concurrency: 5, pid: second.child.pid, queues: ['default'] });
    const registered = await kit.app.control.inspect({ timeout: 3_000, limit: 2 }).registered();
    expect(registered['process-a']).toContain('xp.block');
  });
});
