import { TaskRevokedError, type TaskRevokedEvent } from '@celeriac/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  closeApps,
  deferred,
  makeApp,
  quietWindow,
  recordEvents,
  uniqueMemoryUrl,
  waitFor,
  waitForStats,
} from './helpers.ts';

afterEach(closeApps);

function revokedEvent(events: { type: string }[], taskId: string): TaskRevokedEvent | undefined {
  return events.find(
    (event): event is TaskRevokedEvent =>
      event.type === 'task-revoked' && (event as TaskRevokedEvent).taskId === taskId,
  );
}

describe('revoke before the task starts', () => {
  it('a task waiting in a paused queue and revoked is skipped by the running worker when the queue resumes', async () => {
    const url = uniqueMemoryUrl('revoke-paused');
    const workerApp = makeApp({ broker: url });
    let ran = 0;
    workerApp.task('revoke.paused', () => {
      ran++;
      return 'ran';
    });
    const worker = workerApp.worker({ concurrency: 1, hostname: 'revoke-paused-worker' });
    await worker.start();
    const producer = makeApp({ broker: url });
    const events = await recordEvents(producer);
    await producer.control.pauseQueue('default', { limit: 1, timeout: 2_000 });

    const result = await producer.sendTask('revoke.paused', []);
    await waitForStats(producer, 'default', { ready: 1 });
    await result.revoke();
    await producer.control.resumeQueue('default', { limit: 1, timeout: 2_000 });

    const event = await waitFor(() => revokedEvent(events, result.id), { message: 'task-revoked from the worker' });
    expect(event).toMatchObject({ hostname: 'revoke-paused-worker', terminated: false, expired: false });
    expect(await result.state()).toBe('REVOKED');
    const error = await result.get({ timeout: 2_000 }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(TaskRevokedError);
    expect((error as TaskRevokedError).taskId).toBe(result.id);
    expect(ran).toBe(0);
    // Acknowledged, not dead-lettered: someone asked for it.
    await waitForStats(producer, 'default', { ready: 0, unacked: 0, dead: 0 });
  });

  it('a task revoked while no worker exists is skipped by a worker started afterwards', async () => {
    const url = uniqueMemoryUrl('revoke-later-worker');
    const producer = makeApp({ broker: url });
    const events = await recordEvents(producer);
    let ran = 0;
    const job = producer.task('revoke.later', (n: number) => {
      ran++;
      return n;
    });

    const revoked = await job.delay(1);
    await producer.control.revoke(revoked.id);
    // get() answers at once, before any worker exists.
    await expect(revoked.get({ timeout: 1_000 })).rejects.toBeInstanceOf(TaskRevokedError);
    const kept = await job.delay(2);

    const workerApp = makeApp({ broker: url });
    workerApp.task('revoke.later', (n: number) => {
      ran++;
      return n * 10;
    });
    await workerApp.worker({ concurrency: 1, hostname: 'late-worker' }).start();

    expect(await kept.get({ timeout: 5_000 })).toBe(20);
    const event = await waitFor(() => revokedEvent(events, revoked.id), {
      message: 'task-revoked from the late worker',
    });
    expect(event.hostname).toBe('late-worker');
    expect(ran).toBe(1);
    expect(await revoked.state()).toBe('REVOKED');
    await waitForStats(producer, 'default', { ready: 0, unacked: 0, dead: 0 });
  });
});

describe('revoke with terminate while running', () => {
  it('aborts ctx.signal with TaskRevokedError: REVOKED, get() rejects, task-revoked says terminated', async () => {
    const app = makeApp();
    const events = await recordEvents(app);
    const started = deferred();
    let reason: unknown;
    const listens = app.task(
      'revoke.terminate.listens',
      async (ctx) => {
        started.resolve();
        await new Promise<void>((_resolve, reject) => {
          ctx.signal.addEventListener('abort', () => {
            reason = ctx.signal.reason;
            reject(ctx.signal.reason);
          });
        });
        return 'unreachable';
      },
      { bind: true },
    );
    const next = app.task('revoke.terminate.next', () => 'next ran');
    await app.worker({ concurrency: 1 }).start();
    const result = await listens.delay();
    await started.promise;

    await app.control.revoke(result.id, { terminate: true });

    await expect(result.get({ timeout: 5_000 })).rejects.toBeInstanceOf(TaskRevokedError);
    expect(await result.state()).toBe('REVOKED');
    expect((reason as Error).name).toBe('TaskRevokedError');
    const event = await waitFor(() => revokedEvent(events, result.id));
    expect(event.terminated).toBe(true);
    expect(events.some((e) => e.type === 'task-failed' && e.taskId === result.id)).toBe(false);
    expect(await (await next.delay()).get({ timeout: 5_000 })).toBe('next ran');
  });

  it('also stops a handler that ignores its signal: the slot frees and the next task runs', async () => {
    const app = makeApp();
    const started = deferred();
    const never = deferred();
    const deaf = app.task('revoke.terminate.deaf', async () => {
      started.resolve();
      await never.promise;
      return 'unreachable';
    });
    const next = app.task('revoke.terminate.deaf.next', (n: number) => n * 2);
    const worker = app.worker({ concurrency: 1 });
    await worker.start();
    const stuck = await deaf.delay();
    await started.promise;
    const queued = await next.delay(21);
    await waitForStats(app, 'default', { ready: 1, unacked: 1 });

    await stuck.revoke({ terminate: true });

    expect(await queued.get({ timeout: 5_000 })).toBe(42);
    await expect(stuck.get({ timeout: 1_000 })).rejects.toBeInstanceOf(TaskRevokedError);
    expect(worker.active).toBe(0);
    await waitForStats(app, 'default', { ready: 0, unacked: 0, dead: 0 });
    never.resolve();
  });

  it('revoke without terminate leaves a running task running to SUCCESS', async () => {
    const app = makeApp();
    const started = deferred();
    const gate = deferred();
    let sawAbort = false;
    const running = app.task(
      'revoke.no.terminate',
      async (ctx) => {
        ctx.signal.addEventListener('abort', () => {
          sawAbort = true;
        });
        started.resolve();
        await gate.promise;
        return 'finished';
      },
      { bind: true },
    );
    await app.worker({ concurrency: 1 }).start();
    const result = await running.delay();
    await started.promise;

    await result.revoke();
    gate.resolve();

    expect(await result.get({ timeout: 5_000 })).toBe('finished');
    expect(sawAbort).toBe(false);
  });
});

describe('revoke of a finished task', () => {
  it('changes nothing: the result, state and events stay as they were', async () => {
    const app = makeApp();
    const events = await recordEvents(app);
    const add = app.task('revoke.finished', (a: number, b: number) => a + b);
    const boom = app.task('revoke.finished.fails', () => {
      throw new Error('kaput');
    });
    await app.worker({ concurrency: 1 }).start();
    const done = await add.delay(2, 3);
    const failed = await boom.delay();
    expect(await done.get({ timeout: 5_000 })).toBe(5);
    await expect(failed.get({ timeout: 5_000 })).rejects.toThrow(/kaput/);
    const before = await done.record();

    await done.revoke();
    await app.control.revoke(failed.id, { terminate: true });
    await quietWindow(100);

    expect(await done.state()).toBe('SUCCESS');
    expect(await done.get({ timeout: 1_000 })).toBe(5);
    expect(await done.record()).toEqual(before);
    expect(await failed.state()).toBe('FAILURE');
    expect(events.some((event) => event.type === 'task-revoked')).toBe(false);
  });
});
