import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { closeApps, deferred, makeApp, quietWindow, recordEvents, waitForStats } from './helpers.ts';

afterEach(closeApps);

/**
 * A well-behaved long task: it stops when ctx.signal aborts, by rejecting with the signal's reason
 * (as fetch() and most abortable APIs do). Its first run is stopped by the shutdown; the next
 * run (on another worker) finishes.
 */
function abortableTask(app: ReturnType<typeof makeApp>) {
  const started = deferred();
  const runs: { redelivered: boolean; hostname: string }[] = [];
  const task = app.task(
    'shutdown.abortable',
    async (ctx) => {
      runs.push({ redelivered: ctx.redelivered, hostname: ctx.hostname });
      if (runs.length > 1) return `finished by ${ctx.hostname}`;
      started.resolve();
      await new Promise<never>((_resolve, reject) => {
        ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
      });
      return 'unreachable';
    },
    { bind: true },
  );
  return { task, started, runs };
}

describe('a task requeued at shutdown whose handler honours its abort signal', () => {
  for (const how of ['warm close past its timeout', 'cold close (force)'] as const) {
    it(`${how}: is not stored FAILURE nor announced task-failed; the next worker completes it and get() sees that`, async () => {
      const app = makeApp();
      const events = await recordEvents(app);
      const { task, started, runs } = abortableTask(app);
      const first = app.worker({ concurrency: 1, hostname: 'going-away' });
      await first.start();
      const result = await task.delay();
      // A client already waiting for the result (e.g. an HTTP request) while the worker restarts.
      const waited = result.get({ timeout: 10_000 }).then(
        (value) => ({ value }),
        (error: unknown) => ({ error: String(error) }),
      );
      await started.promise;

      await (how === 'warm close past its timeout' ? first.close({ timeout: 50 }) : first.close({ force: true }));
      // Let the aborted handler's rejection be processed by the closed worker's executor.
      await quietWindow(50);

      expect(await result.state()).not.toBe('FAILURE');
      expect(events.some((event) => event.type === 'task-failed' && event.taskId === result.id)).toBe(false);
      expect(await (await app.broker()).stats('default')).toMatchObject({ ready: 1, unacked: 0 });

      await app.worker({ concurrency: 1, hostname: 'replacement' }).start();

      expect(await waited).toEqual({ value: 'finished by replacement' });
      expect(runs).toEqual([
        { redelivered: false, hostname: 'going-away' },
        { redelivered: true, hostname: 'replacement' },
      ]);
    });
  }

  it('keeps its caller-chosen taskId reserved while it waits in the queue again (no duplicate can be sent)', async () => {
    const app = makeApp();
    const { task, started, runs } = abortableTask(app);
    const first = app.worker({ concurrency: 1 });
    await first.start();
    const taskId = `requeued-${randomUUID()}`;
    await task.applyAsync([], { taskId });
    await started.promise;

    await first.close({ timeout: 50 });
    await quietWindow(50);
    await task.applyAsync([], { taskId });

    expect(await (await app.broker()).stats('default')).toMatchObject({ ready: 1, unacked: 0 });
    await app.worker({ concurrency: 1 }).start();
    await waitForStats(app, 'default', { ready: 0, unacked: 0 });
    expect(runs).toHaveLength(2);
  });
});
