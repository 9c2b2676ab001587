import { availableParallelism } from 'node:os';
import { ConfigError } from '../errors/celeriac-error.ts';

/** Options of `app.worker(options)`. Times are in seconds unless named `…Ms`. */
export interface WorkerOptions {
  /** Queues to consume. @default [app's defaultQueue] */
  queues?: string[];
  /** Tasks run at once. @default os.availableParallelism() (as Celery) */
  concurrency?: number;
  /** Deliveries held per slot: the worker holds at most `concurrency × prefetchMultiplier`. @default 1 */
  prefetchMultiplier?: number;
  /** `'async'` runs handlers on this event loop; `'threads'` in worker_threads (CPU-heavy work). @default 'async' */
  pool?: 'async' | 'threads';
  /** Threads pool: recycle a thread after this many tasks. */
  maxTasksPerChild?: number;
  /** Threads pool: URL or path of the module that defines the app's tasks; each thread imports it. */
  module?: string;
  /** Name in events and results. @default `${pid}@${os.hostname()}` (with a suffix for a second worker) */
  hostname?: string;
  /** Default hard time limit for tasks that set none. */
  timeLimit?: number;
  /** Default soft time limit for tasks that set none. */
  softTimeLimit?: number;
  /** Send task and worker events. @default true */
  sendEvents?: boolean;
  /** Seconds between `worker-heartbeat` events. @default 2 */
  heartbeatInterval?: number;
}

/** Options of `worker.close()`. */
export interface CloseOptions {
  /** Warm shutdown: wait this many ms for running tasks, then requeue what still runs (acksLate). @default 30_000 */
  timeout?: number;
  /** Cold shutdown: abort running tasks now and requeue them (acksLate). @default false */
  force?: boolean;
}

/** Options of `worker.start()`. */
export interface StartOptions {
  /**
   * Install SIGTERM/SIGINT handlers: the first signal is a warm shutdown, a second a cold one; the
   * app is then closed and the process exits (the CLI sets this). The library installs none otherwise.
   * @default false
   */
  handleSignals?: boolean;
  /** With `handleSignals`: how long a warm shutdown waits for running tasks, ms. @default 30_000 */
  shutdownTimeout?: number;
}

/** Validate a worker's options; resolves the defaults of concurrency and prefetch. */
export function checkWorkerOptions(options: WorkerOptions & { queues: string[] }): {
  concurrency: number;
  prefetch: number;
} {
  const concurrency = options.concurrency ?? availableParallelism();
  const multiplier = options.prefetchMultiplier ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new ConfigError(`worker concurrency must be an integer ≥ 1, got ${String(options.concurrency)}.`);
  }
  if (!Number.isInteger(multiplier) || multiplier < 1) {
    throw new ConfigError(
      `prefetchMultiplier must be an integer ≥ 1 (1 holds only what the worker can run now), got ${String(options.prefetchMultiplier)}.`,
    );
  }
  if (options.queues.length === 0) throw new ConfigError('A worker needs at least one queue.');
  if (options.pool === 'threads' && options.module === undefined) {
    throw new ConfigError(
      "pool: 'threads' needs `module`: the path or URL of the module that defines the app's tasks (each thread imports it).",
    );
  }
  return { concurrency, prefetch: concurrency * multiplier };
}
