import { relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { threadId as mainThreadId } from 'node:worker_threads';
import {
  ConfigError,
  Reject,
  Retry,
  SerializationError,
  TaskRevokedError,
  TimeLimitExceeded,
  WorkerLostError,
  WorkerShutdown,
} from '@celeriac/core';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ThreadPool } from '../src/worker/pool-threads.ts';
import { AUTORETRY, decideRetry } from '../src/worker/retry.ts';
import { threadExecArgv } from '../src/worker/thread-launch.ts';
import { startTimeLimits } from '../src/worker/time-limit.ts';
import { anyTask, contextFor, fixture, outcome, recorder } from './threads-pool-harness.ts';

const TASKS = fixture('thread-tasks.mjs');
const silent = pino({ level: 'silent' });
const pools: ThreadPool[] = [];

function makePool(options: { module?: string; size?: number; maxTasksPerChild?: number } = {}): ThreadPool {
  const pool = new ThreadPool({ module: TASKS, size: 1, logger: silent, hostname: 'tester@threads', ...options });
  pools.push(pool);
  return pool;
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
});

describe('threads pool: running tasks', () => {
  it('runs a CPU-bound task in a thread and resolves with its result', async () => {
    const pool = makePool();
    const result = (await pool.run(anyTask, contextFor('cpu.fib', [25]), {})) as { value: number; threadId: number };
    expect(result.value).toBe(75_025);
    expect(result.threadId).not.toBe(mainThreadId);
  });

  it('currentTask() inside the thread is the context of the run', async () => {
    const pool = makePool();
    const ctx = contextFor('ctx.current', [1, 'two'], { retries: 2, queue: 'cpu' });
    expect(await pool.run(anyTask, ctx, {})).toMatchObject({
      id: ctx.id,
      name: 'ctx.current',
      args: [1, 'two'],
      retries: 2,
      queue: 'cpu',
      hostname: 'tester@threads',
    });
  });

  it('runs more tasks than threads: at most `size` threads, the rest wait their turn', async () => {
    const pool = makePool({ size: 2 });
    const runs = Array.from({ length: 6 }, () => pool.run(anyTask, contextFor('cpu.fib', [20]), {}));
    expect(pool.threads).toBeLessThanOrEqual(2);
    const results = (await Promise.all(runs)) as { value: number; threadId: number }[];
    expect(results.map((r) => r.value)).toEqual(Array(6).fill(6_765));
    expect(new Set(results.map((r) => r.threadId)).size).toBeLessThanOrEqual(2);
  });

  it('fails a run whose task the module does not register, naming the task', async () => {
    const pool = makePool();
    const error = await outcome(pool.run(anyTask, contextFor('not.registered'), {}));
    expect((error as Error).message).toMatch(/"not\.registered" is not registered by .*thread-tasks\.mjs/);
  });

  it('a result that cannot leave the thread fails the run with SerializationError', async () => {
    const pool = makePool();
    const error = (await outcome(pool.run(anyTask, contextFor('result.function'), {}))) as Error;
    expect(error.name).toBe(SerializationError.name);
    expect(error.message).toMatch(/result\.function result cannot be sent/);
  });
});

describe('threads pool: the context crosses the thread boundary', () => {
  it('ctx.progress and ctx.updateState reach the main context before the thread goes on', async () => {
    const pool = makePool();
    const { sink, states } = recorder();
    const ctx = contextFor('ctx.progress', [], { sink });
    expect(await pool.run(anyTask, ctx, {})).toBe('done');
    expect(states).toEqual([
      { taskId: ctx.id, state: 'PROGRESS', meta: { stage: 'half', percent: 50 } },
      { taskId: ctx.id, state: 'CUSTOM', meta: { rows: 3 } },
    ]);
  });

  it('a state update refused by the main side rejects in the thread with the same error', async () => {
    const pool = makePool();
    const { sink } = recorder();
    const errors = (await pool.run(anyTask, contextFor('ctx.progress.bad', [], { sink }), {})) as string[];
    expect(errors[0]).toMatch(/^RangeError: progress percent must be a number from 0 to 100/);
    expect(errors[1]).toBe('SerializationError');
  });

  it('ctx.log lines in the thread go to the main ctx.log, at its level, with their fields', async () => {
    const pool = makePool();
    const { logger, lines } = recorder();
    const ctx = contextFor('ctx.log', [], { logger });
    await pool.run(anyTask, ctx, {});
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'hello from the thread',
      step: 1,
      taskId: ctx.id,
      task: 'ctx.log',
    });
    expect(lines[1]).toMatchObject({ level: 40, msg: 'child line', stage: 'child', taskId: ctx.id });
    expect(lines[1]).not.toHaveProperty('__celeriacRun');
  });
});

describe('threads pool: errors and signals cross back as the executor expects', () => {
  it('ctx.retry() in the thread rejects with a Retry carrying its countdown and cause', async () => {
    const pool = makePool();
    const thrown = await outcome(pool.run(anyTask, contextFor('retry.once'), {}));
    expect(thrown).toBeInstanceOf(Retry);
    const retry = thrown as Retry;
    expect(retry.countdown).toBe(0.01);
    expect(retry.error).toMatchObject({ name: 'FlakyError', message: 'try again' });
    expect(decideRetry({}, retry, 0)).toMatchObject({ retry: true, countdown: 0.01 });
  });

  it('autoretryFor is evaluated in the thread against the classes of the task module', async () => {
    const pool = makePool();
    const flaky = (await outcome(pool.run(anyTask, contextFor('autoretry.flaky'), {}))) as Error;
    expect(flaky).toMatchObject({ name: 'FlakyError', message: 'attempt 0' });
    expect(flaky.stack).toContain('thread-tasks.mjs');
    expect((flaky as Error & { [AUTORETRY]?: boolean })[AUTORETRY]).toBe(true);
    // The main side's options cannot hold the thread's class; the marker decides.
    expect(decideRetry({ defaultRetryDelay: 0.01 }, flaky, 0)).toMatchObject({ retry: true });

    const other = (await outcome(pool.run(anyTask, contextFor('autoretry.other'), {}))) as Error;
    expect(other).toMatchObject({ name: 'TypeError', message: 'not a flaky error' });
    expect(decideRetry({ autoretryFor: () => true }, other, 0)).toMatchObject({ retry: false });
  });

  it('a Reject thrown in the thread crosses back as Reject', async () => {
    const pool = makePool();
    const thrown = await outcome(pool.run(anyTask, contextFor('reject.me'), {}));
    expect(thrown).toBeInstanceOf(Reject);
    expect(thrown).toMatchObject({ message: 'bad input', requeue: false });
  });

  it('the soft limit aborts the thread’s ctx.signal with SoftTimeLimitExceeded, which the task may catch', async () => {
    const pool = makePool();
    const ctx = contextFor('wait.abort');
    const options = { softTimeLimit: 0.05 };
    const clearLimits = startTimeLimits(ctx, options);
    expect(await pool.run(anyTask, ctx, options)).toEqual({
      name: 'SoftTimeLimitExceeded',
      message: 'Task exceeded its soft time limit of 0.05 s.',
      isSoftLimit: true,
    });
    clearLimits?.();
  });

  it('a shutdown abort is only forwarded: the task sees WorkerShutdown and may finish', async () => {
    const pool = makePool();
    const ctx = contextFor('wait.abort');
    const running = pool.run(anyTask, ctx, {});
    // An abort before the thread has the run is delivered with it.
    ctx.abort(new WorkerShutdown());
    expect(await running).toMatchObject({ name: 'WorkerShutdown', isSoftLimit: false });
  });
});

describe('threads pool: threads that die or are killed', () => {
  it('a thread that exits fails its run with WorkerLostError, and the next run gets a new thread', async () => {
    const pool = makePool();
    const lost = await outcome(pool.run(anyTask, contextFor('crash.exit'), {}));
    expect(lost).toBeInstanceOf(WorkerLostError);
    expect((lost as Error).message).toMatch(/code 3/);
    expect(await pool.run(anyTask, contextFor('cpu.fib', [10]), {})).toMatchObject({ value: 55 });
  });

  it('an uncaught exception in a thread fails only the run in that thread, naming the error', async () => {
    const pool = makePool({ size: 2 });
    const crashed = pool.run(anyTask, contextFor('crash.timer'), {});
    const healthy = pool.run(anyTask, contextFor('cpu.fib', [22]), {});
    const lost = (await outcome(crashed)) as Error;
    expect(lost).toBeInstanceOf(WorkerLostError);
    expect(lost.message).toMatch(/boom in a timer/);
    expect(await healthy).toMatchObject({ value: 17_711 });
    expect(await pool.run(anyTask, contextFor('thread.id'), {})).toEqual(expect.any(Number));
  });

  it('the hard limit terminates a busy thread and fails the run with TimeLimitExceeded; the pool goes on', async () => {
    const pool = makePool();
    const ctx = contextFor('busy.loop');
    const options = { timeLimit: 0.2 };
    const clearLimits = startTimeLimits(ctx, options);
    const error = await outcome(ctx.race(pool.run(anyTask, ctx, options)));
    clearLimits?.();
    expect(error).toBeInstanceOf(TimeLimitExceeded);
    expect(await pool.run(anyTask, contextFor('cpu.fib', [10]), {})).toMatchObject({ value: 55 });
  });

  it('the hard limit still kills the thread when the soft limit took ctx.signal first', async () => {
    const pool = makePool();
    const ctx = contextFor('busy.loop');
    const options = { softTimeLimit: 0.05, timeLimit: 0.25 };
    const clearLimits = startTimeLimits(ctx, options);
    const error = await outcome(ctx.race(pool.run(anyTask, ctx, options)));
    clearLimits?.();
    expect(error).toBeInstanceOf(TimeLimitExceeded);
    expect(await pool.run(anyTask, contextFor('thread.id'), {})).toEqual(expect.any(Number));
  });

  it('a revoke with terminate kills the thread and fails the run with TaskRevokedError', async () => {
    const pool = makePool();
    const ctx = contextFor('busy.loop');
    const running = outcome(pool.run(anyTask, ctx, {}));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const revoked = new TaskRevokedError(ctx.id, 'revoked and terminated');
    ctx.terminate(revoked);
    expect(await running).toBe(revoked);
    expect(pool.threads).toBe(0);
    expect(await pool.run(anyTask, contextFor('cpu.fib', [10]), {})).toMatchObject({ value: 55 });
  });

  it('maxTasksPerChild: 1 gives every run a fresh thread; without it a thread is reused', async () => {
    const recycling = makePool({ maxTasksPerChild: 1 });
    const fresh: unknown[] = [];
    for (let i = 0; i < 3; i++) fresh.push(await recycling.run(anyTask, contextFor('thread.id'), {}));
    expect(new Set(fresh).size).toBe(3);

    const reusing = makePool();
    const reused: unknown[] = [];
    for (let i = 0; i < 3; i++) reused.push(await reusing.run(anyTask, contextFor('thread.id'), {}));
    expect(new Set(reused).size).toBe(1);
  });

  it('close() terminates the threads and fails unfinished runs with WorkerLostError', async () => {
    const pool = makePool({ size: 1 });
    const busy = outcome(pool.run(anyTask, contextFor('busy.loop'), {}));
    const waiting = outcome(pool.run(anyTask, contextFor('thread.id'), {}));
    await pool.close();
    for (const error of [await busy, await waiting]) {
      expect(error).toBeInstanceOf(WorkerLostError);
      expect((error as Error).message).toMatch(/pool closed/);
    }
    expect(pool.threads).toBe(0);
    expect(await outcome(pool.run(anyTask, contextFor('thread.id'), {}))).toBeInstanceOf(WorkerLostError);
  });
});

describe('threads pool: the task module', () => {
  it('a module path that does not exist fails the run with a ConfigError naming the path', async () => {
    const missing = relative(process.cwd(), fixture('no-such-tasks.mjs'));
    const pool = makePool({ module: missing });
    const error = (await outcome(pool.run(anyTask, contextFor('thread.id'), {}))) as Error;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain(missing);
    expect(error.message).toMatch(/could not load the task module/);
    // The next run fails at once, without spinning up another thread.
    const again = (await outcome(pool.run(anyTask, contextFor('thread.id'), {}))) as Error;
    expect(again.message).toBe(error.message);
    expect(pool.threads).toBe(0);
  });

  it('a module that exports no app fails the run clearly', async () => {
    const pool = makePool({ module: fixture('thread-no-app.mjs') });
    const error = (await outcome(pool.run(anyTask, contextFor('thread.id'), {}))) as Error;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/thread-no-app\.mjs: it failed to import: TypeError: it exports no Celeriac app/);
  });

  it('accepts a file URL', async () => {
    const pool = makePool({ module: pathToFileURL(TASKS).href });
    expect(await pool.run(anyTask, contextFor('cpu.fib', [10]), {})).toMatchObject({ value: 55 });
  });

  it('threads keep the parent’s Node options except the condition that maps @celeriac/* to .ts sources', () => {
    expect(
      threadExecArgv([
        '--conditions',
        '@celeriac/source',
        '--conditions',
        'node',
        '--conditions=@celeriac/source',
        '--import',
        'tsx',
      ]),
    ).toEqual(['--conditions', 'node', '--import', 'tsx']);
  });

  it('rejects bad options at construction', () => {
    expect(() => new ThreadPool({ module: TASKS, size: 0, logger: silent, hostname: 'h' })).toThrow(ConfigError);
    expect(
      () => new ThreadPool({ module: TASKS, size: 1, maxTasksPerChild: 0, logger: silent, hostname: 'h' }),
    ).toThrow(ConfigError);
    expect(() => new ThreadPool({ module: '', size: 1, logger: silent, hostname: 'h' })).toThrow(ConfigError);
  });
});
