import type { TaskSummary } from '@celeriac/core';
import { afterEach, describe, expect, it } from 'vitest';
import { closeApps, deferred, makeApp, uniqueMemoryUrl, waitFor } from './helpers.ts';

afterEach(closeApps);

describe('app.control.ping', () => {
  it('every live worker answers pong, keyed by its hostname; a closed worker does not', async () => {
    const url = uniqueMemoryUrl('control-ping');
    const a = makeApp({ broker: url });
    const b = makeApp({ broker: url });
    const first = a.worker({ concurrency: 1, hostname: 'ping-a' });
    const second = b.worker({ concurrency: 1, hostname: 'ping-b' });
    await Promise.all([first.start(), second.start()]);
    const asker = makeApp({ broker: url });

    expect(await asker.control.ping({ timeout: 2_000, limit: 2 })).toEqual({
      'ping-a': { ok: 'pong' },
      'ping-b': { ok: 'pong' },
    });

    await second.close();
    expect(await asker.control.ping({ timeout: 300 })).toEqual({ 'ping-a': { ok: 'pong' } });
  });

  it('with no worker alive, ping resolves to {} after its timeout', async () => {
    const app = makeApp();
    const before = Date.now();
    expect(await app.control.ping({ timeout: 150 })).toEqual({});
    expect(Date.now() - before).toBeGreaterThanOrEqual(140);
  });
});

describe('app.control.inspect', () => {
  it('active() seen from a second app on the same broker lists the running task', async () => {
    const url = uniqueMemoryUrl('control-active');
    const workerApp = makeApp({ broker: url });
    const started = deferred();
    const gate = deferred();
    const slow = workerApp.task('inspect.slow', async (label: string, n: number) => {
      started.resolve();
      await gate.promise;
      return `${label}${n}`;
    });
    await workerApp.worker({ concurrency: 2, hostname: 'inspect-worker', queues: ['default'] }).start();
    const result = await slow.delay('x', 7);
    await started.promise;
    const observer = makeApp({ broker: url });

    const before = Date.now();
    const active = await observer.control.inspect({ timeout: 2_000, limit: 1 }).active();

    expect(Object.keys(active)).toEqual(['inspect-worker']);
    const [task] = active['inspect-worker'] as TaskSummary[];
    expect(active['inspect-worker']).toHaveLength(1);
    expect(task).toMatchObject({ id: result.id, name: 'inspect.slow', args: ['x', 7], queue: 'default', retries: 0 });
    expect(typeof task?.startedAt).toBe('number');
    expect(task?.startedAt).toBeLessThanOrEqual(before);

    gate.resolve();
    expect(await result.get({ timeout: 5_000 })).toBe('x7');
    // The result is stored just before the worker acknowledges and lets go of the task.
    await expect
      .poll(() => observer.control.inspect({ timeout: 2_000, limit: 1 }).active())
      .toEqual({ 'inspect-worker': [] });
  });

  it('reserved() lists a prefetched task (concurrency 1, prefetchMultiplier 2) and active() the running one', async () => {
    const app = makeApp();
    const started = deferred();
    const gate = deferred();
    const slow = app.task('inspect.prefetch', async (n: number) => {
      started.resolve();
      await gate.promise;
      return n;
    });
    const worker = app.worker({ concurrency: 1, prefetchMultiplier: 2, hostname: 'prefetcher' });
    await worker.start();
    const running = await slow.delay(1);
    await started.promise;
    const held = await slow.delay(2);
    const notHeld = await slow.delay(3);
    const inspect = app.control.inspect({ timeout: 2_000, limit: 1 });

    const reserved = await waitFor(async () => {
      const replies = await inspect.reserved();
      return replies.prefetcher?.length === 1 ? replies : undefined;
    });
    const active = await inspect.active();

    expect(reserved.prefetcher?.[0]).toMatchObject({ id: held.id, name: 'inspect.prefetch', args: [2] });
    expect(reserved.prefetcher?.[0]?.startedAt).toBeUndefined();
    expect(active.prefetcher?.map((task) => task.id)).toEqual([running.id]);
    expect(JSON.stringify({ reserved, active })).not.toContain(notHeld.id);

    gate.resolve();
    await notHeld.get({ timeout: 5_000 });
    await expect.poll(() => inspect.reserved()).toEqual({ prefetcher: [] });
  });

  it('stats() reports processed, concurrency, queues and what runs now', async () => {
    const app = makeApp();
    const started = deferred();
    const gate = deferred();
    const quick = app.task('inspect.stats.quick', (n: number) => n);
    const slow = app.task('inspect.stats.slow', async () => {
      started.resolve();
      await gate.promise;
      return null;
    });
    await app.worker({ concurrency: 3, queues: ['default', 'extra'], hostname: 'stats-worker' }).start();
    await Promise.all((await quick.applyBulk([[1], [2], [3]])).map((result) => result.get({ timeout: 5_000 })));
    const running = await slow.delay();
    await started.promise;

    const inspect = app.control.inspect({ timeout: 2_000, limit: 1 });

    const stats = await waitFor(async () => {
      const replies = await inspect.stats();
      return (replies['stats-worker'] as { processed?: number } | undefined)?.processed === 3 ? replies : undefined;
    });
    expect(Object.keys(stats)).toEqual(['stats-worker']);
    expect(stats['stats-worker']).toMatchObject({
      hostname: 'stats-worker',
      concurrency: 3,
      queues: ['default', 'extra'],
      processed: 3,
      active: 1,
      pid: process.pid,
    });
    gate.resolve();
    await running.get({ timeout: 5_000 });
    await expect.poll(async () => (await inspect.stats())['stats-worker']).toMatchObject({ processed: 4, active: 0 });
  });

  it('registered() lists the task names each worker knows', async () => {
    const url = uniqueMemoryUrl('control-registered');
    const a = makeApp({ broker: url });
    a.task('registered.one', () => 1);
    a.task('registered.two', () => 2);
    const b = makeApp({ broker: url });
    b.task('registered.three', () => 3);
    await Promise.all([
      a.worker({ concurrency: 1, hostname: 'reg-a' }).start(),
      b.worker({ concurrency: 1, hostname: 'reg-b' }).start(),
    ]);

    const registered = await makeApp({ broker: url }).control.inspect({ timeout: 2_000, limit: 2 }).registered();

    expect(Object.keys(registered).sort()).toEqual(['reg-a', 'reg-b']);
    expect([...(registered['reg-a'] ?? [])].sort()).toEqual(['registered.one', 'registered.two']);
    expect(registered['reg-b']).toEqual(['registered.three']);
  });

  it('registered() also lists a task registered after app.worker() was called (the worker runs it too)', async () => {
    const app = makeApp();
    app.task('registered.early', () => 'early');
    const worker = app.worker({ concurrency: 1, hostname: 'reg-late' });
    const late = app.task('registered.late', () => 'late');
    await worker.start();

    expect(await (await late.delay()).get({ timeout: 5_000 })).toBe('late');
    const registered = await app.control.inspect({ timeout: 2_000, limit: 1 }).registered();
    expect([...(registered['reg-late'] ?? [])].sort()).toEqual(['registered.early', 'registered.late']);
  });

  it('scheduled() answers from each worker (delayed messages wait in the broker, not in a worker)', async () => {
    const app = makeApp();
    const later = app.task('inspect.scheduled', () => null);
    await app.worker({ concurrency: 1, hostname: 'sched-worker' }).start();
    await later.applyAsync([], { countdown: 60 });

    expect(await app.control.inspect({ timeout: 2_000, limit: 1 }).scheduled()).toEqual({ 'sched-worker': [] });
  });
});
