import type { ClusterEvent, WorkerHeartbeatEvent } from '@celeriac/core';
import { afterEach, describe, expect, it } from 'vitest';
import { closeApps, deferred, makeApp, quietWindow, recordEvents, uniqueMemoryUrl, waitFor } from './helpers.ts';

afterEach(closeApps);

function heartbeatsOf(events: ClusterEvent[], hostname: string): WorkerHeartbeatEvent[] {
  return events.filter(
    (event): event is WorkerHeartbeatEvent => event.type === 'worker-heartbeat' && event.hostname === hostname,
  );
}

describe('worker-heartbeat events', () => {
  it('carry the active count while tasks run and the processed total once they finish', async () => {
    const url = uniqueMemoryUrl('heartbeats');
    const workerApp = makeApp({ broker: url });
    const started = deferred();
    const gate = deferred();
    const slow = workerApp.task('heartbeat.slow', async () => {
      started.resolve();
      await gate.promise;
      return null;
    });
    const quick = workerApp.task('heartbeat.quick', (n: number) => n);
    // Watched from another app on the broker, as a monitor process would.
    const monitor = makeApp({ broker: url });
    const events = await recordEvents(monitor);
    await workerApp.worker({ concurrency: 2, heartbeatInterval: 0.2, hostname: 'beating' }).start();

    await Promise.all((await quick.applyBulk([[1], [2]])).map((result) => result.get({ timeout: 5_000 })));
    const running = await slow.delay();
    await started.promise;
    const fromNow = heartbeatsOf(events, 'beating').length;

    const busy = await waitFor(
      () =>
        heartbeatsOf(events, 'beating')
          .slice(fromNow)
          .find((beat) => beat.active === 1 && beat.processed === 2),
      { timeout: 3_000, message: 'a heartbeat with active 1 and processed 2' },
    );
    expect(busy).toMatchObject({ processed: 2, concurrency: 2, queues: ['default'], freq: 0.2, pid: process.pid });

    gate.resolve();
    await running.get({ timeout: 5_000 });
    const idle = await waitFor(
      () => heartbeatsOf(events, 'beating').find((beat) => beat.active === 0 && beat.processed === 3),
      { timeout: 3_000, message: 'a heartbeat with active 0 and processed 3' },
    );
    expect(idle.timestamp).toBeGreaterThan(busy.timestamp);
  });

  it('arrive about every heartbeatInterval, and stop once the worker is offline', async () => {
    const app = makeApp();
    const events = await recordEvents(app);
    const worker = app.worker({ concurrency: 1, heartbeatInterval: 0.2, hostname: 'metronome' });
    await worker.start();

    await waitFor(() => heartbeatsOf(events, 'metronome').length >= 3, { timeout: 3_000 });
    const beats = heartbeatsOf(events, 'metronome');
    const gaps = beats.slice(1).map((beat, i) => beat.timestamp - (beats[i] as WorkerHeartbeatEvent).timestamp);
    for (const gap of gaps) {
      expect(gap).toBeGreaterThanOrEqual(150);
      expect(gap).toBeLessThan(1_000);
    }

    await worker.close();
    await waitFor(() => events.some((event) => event.type === 'worker-offline' && event.hostname === 'metronome'));
    const offlineAt = events.findIndex((event) => event.type === 'worker-offline' && event.hostname === 'metronome');
    const count = heartbeatsOf(events, 'metronome').length;
    // Negative check: more than two intervals pass without a beat.
    await quietWindow(450);
    expect(heartbeatsOf(events, 'metronome')).toHaveLength(count);
    expect(events.slice(offlineAt).some((event) => event.type === 'worker-heartbeat')).toBe(false);
  });
});
