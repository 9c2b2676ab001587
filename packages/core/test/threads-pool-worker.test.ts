import { BroadcastChannel, threadId as mainThreadId } from 'node:worker_threads';
import { type Celeriac, TaskFailedError } from '@celeriac/core';
import { afterEach, describe, expect, it } from 'vitest';
// The same task module the pool threads load: the worker's own app must know the tasks too.
import { defineTasks } from './fixtures/thread-tasks.mjs';
import { closeApps, makeApp, recordEvents, waitFor } from './helpers.ts';
import { fixture } from './threads-pool-harness.ts';

/**
 * End to end through `app.worker({ pool: 'threads', module })`. Pool threads load the package's
 * build (`dist/`): run `npx tsc -b packages/core` first (`npm install` does).
 */

const TASKS = fixture('thread-tasks.mjs');

afterEach(closeApps);

function appWithTasks(): Celeriac {
  const app = makeApp();
  defineTasks(app);
  return app;
}

async function failure(promise: Promise<unknown>): Promise<TaskFailedError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(TaskFailedError);
  return error as TaskFailedError;
}

describe("worker with pool: 'threads'", () => {
  it('runs a CPU-bound task in a thread and stores its result', async () => {
    const app = appWithTasks();
    await app.worker({ pool: 'threads', module: TASKS, concurrency: 2 }).start();
    const result = await app.sendTask('cpu.fib', [24]);
    const value = (await result.get({ timeout: 10_000 })) as { value: number; threadId: number };
    expect(value.value).toBe(46_368);
    expect(value.threadId).not.toBe(mainThreadId);
  });

  it('progress reported in the thread is visible to info() and as an event while the task runs', async () => {
    const app = appWithTasks();
    const events = await recordEvents(app);
    await app.worker({ pool: 'threads', module: TASKS, concurrency: 1 }).start();
    const channel = `release-${Math.random()}`;
    const result = await app.sendTask('ctx.progress', [channel]);

    await waitFor(async () => (await result.state()) === 'PROGRESS', { timeout: 10_000 });
    expect(await result.info()).toEqual({ stage: 'half', percent: 50 });
    await waitFor(() => events.some((event) => event.type === 'task-progress' && event.taskId === result.id));

    const release = new BroadcastChannel(channel);
    release.postMessage('go');
    release.close();
    expect(await result.get({ timeout: 10_000 })).toBe('done');
  });

  it('ctx.log lines written in the thread are kept with the result', async () => {
    const app = appWithTasks();
    await app.worker({ pool: 'threads', module: TASKS, concurrency: 1 }).start();
    const result = await app.sendTask('ctx.log');
    await result.get({ timeout: 10_000 });
    const logs = await waitFor(async () => {
      const lines = await result.logs();
      return lines.length >= 2 ? lines : undefined;
    });
    expect(logs.join('\n')).toContain('hello from the thread');
    expect(logs.join('\n')).toContain('child line');
  });

  it('ctx.retry() in the thread retries the task', async () => {
    const app = appWithTasks();
    await app.worker({ pool: 'threads', module: TASKS, concurrency: 1 }).start();
    expect(await (await app.sendTask('retry.once')).get({ timeout: 10_000 })).toEqual({ retries: 1 });
  });

  it('autoretryFor with an error class of the task module retries until the task succeeds', async () => {
    const app = appWithTasks();
    await app.worker({ pool: 'threads', module: TASKS, concurrency: 1 }).start();
    expect(await (await app.sendTask('autoretry.flaky')).get({ timeout: 10_000 })).toEqual({ retries: 2 });
  });

  it('a thread crash fails that one task with WorkerLostError and the worker goes on', async () => {
    const app = appWithTasks();
    const worker = app.worker({ pool: 'threads', module: TASKS, concurrency: 1 });
    await worker.start();
    const crashed = await app.sendTask('crash.exit');
    const next = await app.sendTask('cpu.fib', [10]);

    const error = await failure(crashed.get({ timeout: 10_000 }));
    expect(error.remote.name).toBe('WorkerLostError');
    expect(error.remote.message).toMatch(/code 3/);
    expect(await next.get({ timeout: 10_000 })).toMatchObject({ value: 55 });
  });

  it('with rejectOnWorkerLost a crashed task is requeued and runs again', async () => {
    const app = appWithTasks();
    await app.worker({ pool: 'threads', module: TASKS, concurrency: 1 }).start();
    expect(await (await app.sendTask('crash.unless.redelivered')).get({ timeout: 10_000 })).toBe('recovered');
  });

  it('the hard time limit terminates a busy thread with TimeLimitExceeded; the next task runs', async () => {
    const app = appWithTasks();
    await app.worker({ pool: 'threads', module: TASKS, concurrency: 1, timeLimit: 0.3 }).start();
    const busy = await app.sendTask('busy.loop');
    const next = await app.sendTask('cpu.fib', [10]);
    const error = await failure(busy.get({ timeout: 10_000 }));
    expect(error.remote.name).toBe('TimeLimitExceeded');
    expect(await next.get({ timeout: 10_000 })).toMatchObject({ value: 55 });
  });

  it('revoke({ terminate: true }) stops a busy thread and the task ends REVOKED', async () => {
    const app = appWithTasks();
    await app.worker({ pool: 'threads', module: TASKS, concurrency: 1 }).start();
    const busy = await app.sendTask('busy.loop');
    await waitFor(async () => (await busy.state()) === 'STARTED', { timeout: 10_000 });
    await busy.revoke({ terminate: true });
    await waitFor(async () => (await busy.state()) === 'REVOKED', { timeout: 10_000 });
    expect(await (await app.sendTask('thread.id')).get({ timeout: 10_000 })).toEqual(expect.any(Number));
  });

  it('maxTasksPerChild: 1 runs every task in a fresh thread', async () => {
    const app = appWithTasks();
    await app.worker({ pool: 'threads', module: TASKS, concurrency: 1, maxTasksPerChild: 1 }).start();
    const ids: unknown[] = [];
    for (let i = 0; i < 3; i++) ids.push(await (await app.sendTask('thread.id')).get({ timeout: 10_000 }));
    expect(new Set(ids).size).toBe(3);
  });

  it('a task module that starts a worker when imported fails clearly inside a pool thread', async () => {
    const app = makeApp();
    app.task('noop', () => null);
    await app.worker({ pool: 'threads', module: fixture('thread-starts-worker.mjs'), concurrency: 1 }).start();
    const error = await failure((await app.sendTask('noop')).get({ timeout: 10_000 }));
    expect(error.remote.message).toMatch(/thread-starts-worker\.mjs/);
    expect(error.remote.message).toMatch(/threads-pool thread/);
  });

  it('a module path that does not exist fails the task with a message naming the path', async () => {
    const app = appWithTasks();
    await app.worker({ pool: 'threads', module: fixture('no-such-tasks.mjs'), concurrency: 1 }).start();
    const error = await failure((await app.sendTask('thread.id')).get({ timeout: 10_000 }));
    expect(error.remote.name).toBe('ConfigError');
    expect(error.remote.message).toMatch(/no-such-tasks\.mjs/);
  });
});
