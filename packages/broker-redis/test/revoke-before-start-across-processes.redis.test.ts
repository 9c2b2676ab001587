import { type ClusterEvent, TaskRevokedError, type TaskRevokedEvent } from '@celeriac/core';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeRedis } from './helpers.ts';
import { CrossProcessKit, fixtureTasks } from './worker-processes.ts';

describeRedis('revoke across processes (Redis)', () => {
  let kit: CrossProcessKit;
  beforeEach(() => {
    kit = new CrossProcessKit();
  });
  afterEach(() => kit.close());

  function recordEvents(): ClusterEvent[] {
    const events: ClusterEvent[] = [];
    kit.app.events.on('*', (event) => {
      events.push(event);
    });
    return events;
  }

  it('a task revoked before any worker exists is skipped by a worker process started later', async () => {
    const tasks = fixtureTasks(kit.app);
    const events = recordEvents();
    await kit.app.events.ready();

    const revoked = await tasks.count.delay('revoked');
    await kit.app.control.revoke(revoked.id);
    const kept = await tasks.count.delay('kept');
    await expect(revoked.get({ timeout: 2_000 })).rejects.toBeInstanceOf(TaskRevokedError);

    const worker = await kit.spawnWorker({ hostname: 'late-process', concurrency: 1 });

    expect(await kept.get({ timeout: 10_000 })).toBe('kept');
    await expect
      .poll(
        () =>
          events.find(
            (event): event is TaskRevokedEvent => event.type === 'task-revoked' && event.taskId === revoked.id,
          ),
        { timeout: 10_000 },
      )
      .toMatchObject({ hostname: worker.hostname, terminated: false, expired: false });
    expect(await kit.redis.get(kit.key('ran:revoked'))).toBeNull();
    expect(await kit.redis.get(kit.key('ran:kept'))).toBe('1');
    expect(await revoked.state()).toBe('REVOKED');
    await expect
      .poll(() => kit.broker.stats('default'), { timeout: 5_000 })
      .toMatchObject({
        ready: 0,
        unacked: 0,
        dead: 0,
      });
  });

  it('a revoke sent by another process reaches a running worker process: a queued task is skipped', async () => {
    const tasks = fixtureTasks(kit.app);
    const events = recordEvents();
    await kit.app.events.ready();
    const worker = await kit.spawnWorker({ hostname: 'busy-process', concurrency: 1 });
    // The only slot is taken, so the next task waits in Redis.
    const blocker = await tasks.block.delay('revoke-busy', 'ignore');
    await expect.poll(() => blocker.state(), { timeout: 10_000, interval: 20 }).toBe('STARTED');
    const queued = await tasks.count.delay('queued-then-revoked');

    await kit.otherApp().control.revoke(queued.id);
    await kit.redis.set(kit.key('release:revoke-busy'), '1');

    expect(await blocker.get({ timeout: 10_000 })).toMatchObject({ hostname: worker.hostname });
    await expect
      .poll(() => events.some((event) => event.type === 'task-revoked' && event.taskId === queued.id), {
        timeout: 10_000,
      })
      .toBe(true);
    expect(await kit.redis.get(kit.key('ran:queued-then-revoked'))).toBeNull();
    await expect(queued.get({ timeout: 1_000 })).rejects.toBeInstanceOf(TaskRevokedError);
  });

  it('revoke({ terminate: true }) from this process stops a task running in a worker process', async () => {
    const tasks = fixtureTasks(kit.app);
    const worker = await kit.spawnWorker({ hostname: 'terminate-process', concurrency: 1 });
    const stuck = await tasks.block.delay('never-released', 'ignore');
    await expect.poll(() => stuck.state(), { timeout: 10_000, interval: 20 }).toBe('STARTED');

    await stuck.revoke({ terminate: true });

    await expect(stuck.get({ timeout: 10_000 })).rejects.toBeInstanceOf(TaskRevokedError);
    // The slot is free again: the next task runs on the same single-slot worker.
    expect(await (await tasks.count.delay('after-terminate')).get({ timeout: 10_000 })).toBe('after-terminate');
    expect(await stuck.record()).toMatchObject({ state: 'REVOKED', worker: worker.hostname });
  });
});
