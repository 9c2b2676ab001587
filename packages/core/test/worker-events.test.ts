import type { ClusterEvent, TaskFailedEvent, TaskRetriedEvent, TaskSucceededEvent } from '@celeriac/core';
import { afterEach, describe, expect, it } from 'vitest';
import { closeApps, makeApp, recordEvents, uniqueMemoryUrl, waitFor } from './helpers.ts';

class FlakyError extends Error {
  override name = 'FlakyError';
}

afterEach(closeApps);

function typesOf(events: ClusterEvent[], taskId: string): string[] {
  return events
    .filter((event) => 'taskId' in event && event.taskId === taskId && event.type !== 'task-sent')
    .map((event) => event.type);
}

describe('task events', () => {
  it('a succeeding task emits task-received, task-started, task-succeeded, in that order', async () => {
    const app = makeApp();
    const events = await recordEvents(app);
    const add = app.task('add', (a: number, b: number) => a + b);
    const worker = app.worker({ concurrency: 1 });
    await worker.start();

    const result = await add.delay(1, 2);
    await result.get({ timeout: 5_000 });

    await waitFor(() => events.some((event) => event.type === 'task-succeeded' && event.taskId === result.id));
    const mine = events.filter((event) => 'taskId' in event && event.taskId === result.id);
    expect(typesOf(events, result.id)).toEqual(['task-received', 'task-started', 'task-succeeded']);
    expect(mine.filter((event) => event.type === 'task-sent')).toHaveLength(1);
    const succeeded = mine.find((event) => event.type === 'task-succeeded') as TaskSucceededEvent;
    expect(succeeded).toMatchObject({ name: 'add', result: 3, hostname: worker.hostname });
    expect(succeeded.runtime).toBeGreaterThanOrEqual(0);
    for (const event of mine) {
      expect(typeof event.timestamp).toBe('number');
      expect(Math.abs(event.timestamp - Date.now())).toBeLessThan(60_000);
    }
  });

  it('task-sent comes before task-received when one app both sends and runs the task', async () => {
    // A monitor that folds events into task states (as Flower does) would otherwise see a task
    // go back from RECEIVED to SENT.
    const app = makeApp();
    const events = await recordEvents(app);
    const add = app.task('add.order', (a: number, b: number) => a + b);
    await app.worker({ concurrency: 1 }).start();

    const result = await add.delay(1, 2);
    await result.get({ timeout: 5_000 });

    await waitFor(() => events.some((event) => event.type === 'task-succeeded' && event.taskId === result.id));
    const types = events.filter((event) => 'taskId' in event && event.taskId === result.id).map((event) => event.type);
    expect(types).toEqual(['task-sent', 'task-received', 'task-started', 'task-succeeded']);
  });

  it('a retried then failing task emits received, started, retried, received, started, failed', async () => {
    const app = makeApp();
    const events = await recordEvents(app);
    const flaky = app.task(
      'flaky',
      (): number => {
        throw new FlakyError('still broken');
      },
      { autoretryFor: [FlakyError], maxRetries: 1, retryBackoff: 0.01, retryJitter: false },
    );
    await app.worker({ concurrency: 1 }).start();

    const result = await flaky.delay();
    await expect(result.get({ timeout: 5_000 })).rejects.toThrow(/still broken/);

    await waitFor(() => events.some((event) => event.type === 'task-failed' && event.taskId === result.id));
    expect(typesOf(events, result.id)).toEqual([
      'task-received',
      'task-started',
      'task-retried',
      'task-received',
      'task-started',
      'task-failed',
    ]);
    const retried = events.find((event) => event.type === 'task-retried') as TaskRetriedEvent;
    expect(retried.retries).toBe(1);
    expect(retried.error).toMatchObject({ name: 'FlakyError', message: 'still broken' });
    expect(Number.isNaN(Date.parse(retried.eta))).toBe(false);
    const failed = events.find((event) => event.type === 'task-failed') as TaskFailedEvent;
    expect(failed.error).toMatchObject({ name: 'FlakyError', message: 'still broken' });
    expect(failed.retries).toBe(1);
  });

  it('events of a worker in another app on the same broker reach this app', async () => {
    const url = uniqueMemoryUrl('events-cluster');
    const workerApp = makeApp({ broker: url });
    workerApp.task('remote.job', () => 'ok');
    const monitor = makeApp({ broker: url });
    const events = await recordEvents(monitor);
    await workerApp.worker({ concurrency: 1 }).start();

    const result = await monitor.sendTask('remote.job', []);
    await result.get({ timeout: 5_000 });

    await waitFor(() => typesOf(events, result.id).includes('task-succeeded'));
    expect(typesOf(events, result.id)).toEqual(['task-received', 'task-started', 'task-succeeded']);
  });

  it('a listener that throws does not stop the other listeners', async () => {
    const app = makeApp();
    const seen: string[] = [];
    app.events.on('task-succeeded', () => {
      throw new Error('bad listener');
    });
    app.events.on('task-succeeded', (event) => {
      seen.push(event.taskId);
    });
    await app.events.ready();
    const one = app.task('one', () => 1);
    await app.worker({ concurrency: 1 }).start();

    const first = await one.delay();
    await first.get({ timeout: 5_000 });
    const second = await one.delay();
    await second.get({ timeout: 5_000 });

    await waitFor(() => seen.length === 2);
    expect(seen).toEqual([first.id, second.id]);
  });
});

describe('worker events', () => {
  it('worker-online when it starts consuming and worker-offline when it closes', async () => {
    const app = makeApp();
    const events = await recordEvents(app);
    const worker = app.worker({ concurrency: 2, queues: ['default', 'other'] });

    await worker.start();
    const online = await waitFor(() =>
      events.find((event) => event.type === 'worker-online' && event.hostname === worker.hostname),
    );
    expect(online).toMatchObject({ queues: ['default', 'other'], concurrency: 2, pid: process.pid });
    expect(events.some((event) => event.type === 'worker-offline')).toBe(false);

    await worker.close();
    await waitFor(() => events.some((event) => event.type === 'worker-offline' && event.hostname === worker.hostname));
    const types = events.filter((event) => event.type.startsWith('worker-')).map((event) => event.type);
    expect(types[0]).toBe('worker-online');
    expect(types.at(-1)).toBe('worker-offline');
  });

  it('a worker sends heartbeats at its heartbeatInterval', async () => {
    const app = makeApp();
    const events = await recordEvents(app);
    const worker = app.worker({ concurrency: 1, heartbeatInterval: 0.05 });
    await worker.start();

    await waitFor(
      () =>
        events.filter((event) => event.type === 'worker-heartbeat' && event.hostname === worker.hostname).length >= 2,
    );
  });
});

describe('the worker as an emitter of its own events', () => {
  it('emits its task and worker events in process, also with sendEvents off, and survives a throwing listener', async () => {
    const app = makeApp();
    const clusterEvents = await recordEvents(app);
    const add = app.task('add.local', (a: number, b: number) => a + b);
    const worker = app.worker({ concurrency: 1, sendEvents: false });
    const local: ClusterEvent[] = [];
    const succeeded: TaskSucceededEvent[] = [];
    worker.on('*', (event) => local.push(event));
    worker.on('task-succeeded', (event) => succeeded.push(event));
    worker.once('task-started', () => {
      throw new Error('a listener bug');
    });
    await worker.start();

    const first = await add.delay(1, 2);
    expect(await first.get({ timeout: 5_000 })).toBe(3);
    const second = await add.delay(2, 3);
    expect(await second.get({ timeout: 5_000 })).toBe(5);

    expect(succeeded.map((event) => [event.taskId, event.result])).toEqual([
      [first.id, 3],
      [second.id, 5],
    ]);
    expect(typesOf(local, second.id)).toEqual(['task-received', 'task-started', 'task-succeeded']);
    expect(local.some((event) => event.type === 'worker-online' && event.hostname === worker.hostname)).toBe(true);
    // sendEvents: false: nothing went to the cluster but the producer's task-sent.
    expect(clusterEvents.filter((event) => event.type !== 'task-sent')).toEqual([]);
  });
});
