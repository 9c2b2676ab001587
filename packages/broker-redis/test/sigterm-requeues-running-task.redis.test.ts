import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeRedis } from './helpers.ts';
import { CrossProcessKit, fixtureTasks } from './worker-processes.ts';

/**
 * A worker process started with `worker.start({ handleSignals: true })` gets SIGTERM while it runs
 * a long acksLate task: warm shutdown (stop taking, wait up to shutdownTimeout), then the task is
 * requeued, the process exits 0, and another worker process completes the task.
 */
describeRedis('SIGTERM to a worker process (handleSignals: true, Redis)', () => {
  let kit: CrossProcessKit;
  beforeEach(() => {
    kit = new CrossProcessKit();
  });
  afterEach(() => kit.close());

  for (const mode of ['ignore', 'honour'] as const) {
    const how = mode === 'ignore' ? 'ignores its abort signal' : 'stops when its abort signal fires';
    it(`a long acksLate task that ${how} is requeued and completed by another worker`, async () => {
      const tasks = fixtureTasks(kit.app);
      const events: string[] = [];
      kit.app.events.on('*', (event) => {
        if ('taskId' in event) events.push(`${event.type} ${event.hostname}`);
      });
      await kit.app.events.ready();
      const leaving = await kit.spawnWorker({
        hostname: `leaving-${mode}`,
        concurrency: 1,
        handleSignals: true,
        shutdownTimeout: 300,
      });
      const label = `sigterm-${mode}`;
      const result = await tasks.block.delay(label, mode);
      // A client waits for the result the whole time (as an HTTP request streaming progress would).
      const waited = result.get({ timeout: 20_000 }).then(
        (value) => ({ value }),
        (error: unknown) => ({ error: String(error) }),
      );
      await expect.poll(() => kit.blockStarts(), { timeout: 10_000, interval: 20 }).toHaveLength(1);

      const signalledAt = Date.now();
      leaving.child.kill('SIGTERM');
      const exit = await leaving.exited;

      expect(exit, leaving.stderr()).toBe(0);
      // Warm: it waited about shutdownTimeout for the task before giving up on it.
      expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(250);
      // Requeued at once, not left to a lease expiry (the lease is 30 s).
      expect(await kit.broker.stats('default')).toMatchObject({ ready: 1, unacked: 0 });
      expect(await result.state()).not.toBe('FAILURE');

      const taking = await kit.spawnWorker({ hostname: `taking-over-${mode}`, concurrency: 1 });
      await expect.poll(() => kit.blockStarts(), { timeout: 10_000, interval: 20 }).toHaveLength(2);
      await kit.redis.set(kit.key(`release:${label}`), '1');

      expect(await waited).toEqual({ value: { label, hostname: taking.hostname } });
      expect(await kit.blockStarts()).toEqual([
        { id: result.id, hostname: leaving.hostname },
        { id: result.id, hostname: taking.hostname },
      ]);
      expect(await result.record()).toMatchObject({ state: 'SUCCESS', worker: taking.hostname });
      expect(events.filter((event) => event.startsWith('task-failed'))).toEqual([]);
    });
  }

  it('a second SIGTERM during the warm wait is a cold shutdown: requeued at once, exit without the full wait', async () => {
    const tasks = fixtureTasks(kit.app);
    const leaving = await kit.spawnWorker({
      hostname: 'leaving-cold',
      concurrency: 1,
      handleSignals: true,
      shutdownTimeout: 30_000,
    });
    const result = await tasks.block.delay('sigterm-cold', 'ignore');
    await expect.poll(() => kit.blockStarts(), { timeout: 10_000, interval: 20 }).toHaveLength(1);

    const signalledAt = Date.now();
    leaving.child.kill('SIGTERM');
    // The warm shutdown has begun once the worker stops answering for new work; give the signal again.
    await expect
      .poll(async () => Object.keys(await kit.app.control.ping({ timeout: 300 })), { timeout: 5_000 })
      .toEqual([]);
    leaving.child.kill('SIGTERM');
    const exit = await leaving.exited;

    expect(exit, leaving.stderr()).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(15_000);
    expect(await kit.broker.stats('default')).toMatchObject({ ready: 1, unacked: 0 });

    await kit.spawnWorker({ hostname: 'taking-over-cold', concurrency: 1 });
    await kit.redis.set(kit.key('release:sigterm-cold'), '1');
    expect(await result.get({ timeout: 10_000 })).toMatchObject({ hostname: 'taking-over-cold' });
  });
});
