import { afterEach, describe, expect, it } from 'vitest';
import { closeApps, deferred, makeApp, quietWindow, uniqueMemoryUrl, waitForStats } from './helpers.ts';

afterEach(closeApps);

describe('app.control.pauseQueue / resumeQueue', () => {
  it('a paused queue is not taken from (its messages stay ready) while other queues keep running; resume runs them', async () => {
    const url = uniqueMemoryUrl('pause-live');
    const workerApp = makeApp({ broker: url });
    const ran: string[] = [];
    workerApp.task('pause.job', (label: string) => {
      ran.push(label);
      return label;
    });
    await workerApp.worker({ concurrency: 2, queues: ['default', 'reports'], hostname: 'pause-worker' }).start();
    const controller = makeApp({ broker: url });

    const paused = await controller.control.pauseQueue('reports', { limit: 1, timeout: 2_000 });
    expect(paused).toEqual({ 'pause-worker': { ok: 'paused' } });

    const held = await controller.sendTask('pause.job', ['report'], { queue: 'reports' });
    const other = await controller.sendTask('pause.job', ['other'], { queue: 'default' });
    expect(await other.get({ timeout: 5_000 })).toBe('other');
    await quietWindow(150);

    expect(ran).toEqual(['other']);
    expect(await held.state()).toBe('PENDING');
    expect(await (await controller.broker()).stats('reports')).toMatchObject({ ready: 1, unacked: 0 });
    const stats = await controller.control.inspect({ limit: 1, timeout: 2_000 }).stats();
    expect(stats['pause-worker']).toMatchObject({ paused: ['reports'] });

    const resumed = await controller.control.resumeQueue('reports', { limit: 1, timeout: 2_000 });
    expect(resumed).toEqual({ 'pause-worker': { ok: 'resumed' } });

    expect(await held.get({ timeout: 5_000 })).toBe('report');
    expect(ran).toEqual(['other', 'report']);
    await waitForStats(controller, 'reports', { ready: 0, unacked: 0 });
  });

  it('a pause holds for a worker started afterwards: it does not take from the queue until resumed', async () => {
    const url = uniqueMemoryUrl('pause-later');
    const controller = makeApp({ broker: url });
    await controller.control.pauseQueue('default', { timeout: 50 });
    const waiting = await controller.sendTask('pause.later.job', [1]);

    const workerApp = makeApp({ broker: url });
    let runs = 0;
    workerApp.task('pause.later.job', (n: number) => {
      runs++;
      return n + 1;
    });
    await workerApp.worker({ concurrency: 1, hostname: 'late-pause-worker' }).start();
    // Positive proof the new worker is live and listening before the negative check.
    expect(await controller.control.ping({ limit: 1, timeout: 2_000 })).toEqual({
      'late-pause-worker': { ok: 'pong' },
    });
    await quietWindow(150);

    expect(runs).toBe(0);
    expect(await (await controller.broker()).stats('default')).toMatchObject({ ready: 1, unacked: 0 });

    await controller.control.resumeQueue('default', { limit: 1, timeout: 2_000 });

    expect(await waiting.get({ timeout: 5_000 })).toBe(2);
    expect(runs).toBe(1);
  });

  it('resuming clears the cluster-wide mark: a worker started after the resume takes from the queue', async () => {
    const url = uniqueMemoryUrl('pause-resume-later');
    const controller = makeApp({ broker: url });
    await controller.control.pauseQueue('default', { timeout: 50 });
    await controller.control.resumeQueue('default', { timeout: 50 });
    const result = await controller.sendTask('pause.resumed.job', []);

    const workerApp = makeApp({ broker: url });
    workerApp.task('pause.resumed.job', () => 'ran');
    await workerApp.worker({ concurrency: 1 }).start();

    expect(await result.get({ timeout: 5_000 })).toBe('ran');
  });

  it('a task already running when its queue is paused finishes normally', async () => {
    const app = makeApp();
    const started = deferred();
    const gate = deferred();
    const slow = app.task('pause.running', async () => {
      started.resolve();
      await gate.promise;
      return 'done';
    });
    await app.worker({ concurrency: 1, hostname: 'pause-running' }).start();
    const result = await slow.delay();
    await started.promise;

    await app.control.pauseQueue('default', { limit: 1, timeout: 2_000 });
    gate.resolve();

    expect(await result.get({ timeout: 5_000 })).toBe('done');
    await waitForStats(app, 'default', { ready: 0, unacked: 0 });
  });
});
