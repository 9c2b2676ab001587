/**
 * Task options, with Celery's names in camelCase. Set per task in `app.task(name, handler, options)`
 * or for every task with the app's `taskDefaults`. Times are in seconds (fractions allowed).
 */
export interface TaskOptions {
  /** Queue this task is routed to, unless a call names another. */
  queue?: string;
  /** 0–9, higher runs first. @default 0 */
  priority?: number;
  /** Retries allowed before the task fails for good; `null` for unlimited. @default 3 */
  maxRetries?: number | null;
  /** Retry automatically when the task throws one of these error classes, or when the predicate is true. */
  autoretryFor?: ReadonlyArray<abstract new (...args: never[]) => Error> | ((error: Error) => boolean);
  /** Exponential backoff for automatic retries: `true` for base 1 s, or a base in seconds. @default false */
  retryBackoff?: boolean | number;
  /** Cap on the backoff delay, seconds. @default 600 */
  retryBackoffMax?: number;
  /** Randomise the backoff delay in [0, delay] (full jitter), as Celery does. @default true */
  retryJitter?: boolean;
  /** Delay of `ctx.retry()` without a countdown and of automatic retries without backoff, seconds. @default 180 */
  defaultRetryDelay?: number;
  /** Hard limit, seconds: the task fails with `TimeLimitExceeded`. */
  timeLimit?: number;
  /** Soft limit, seconds: `ctx.signal` aborts with `SoftTimeLimitExceeded`. */
  softTimeLimit?: number;
  /** Per-worker rate, `'10/s' | '100/m' | '1000/h'`: starts evenly spaced on each worker. */
  rateLimit?: string;
  /** Cluster-wide rate (same syntax), held across all workers through the result backend. */
  globalRateLimit?: string;
  /** Acknowledge after the task finishes (at-least-once). `false` acknowledges on receipt (at-most-once). @default true */
  acksLate?: boolean;
  /** Requeue the message when the process running it dies (threads pool). @default false */
  rejectOnWorkerLost?: boolean;
  /** Do not store the result (states are still sent as events). @default false */
  ignoreResult?: boolean;
  /** Default expiry of every call: seconds from now, or an absolute time. */
  expires?: number | Date | string;
  /** Store the STARTED state when a worker starts the task. @default true */
  trackStarted?: boolean;
}

/** Options of `app.task()`: task options plus the handler form. */
export interface DefineTaskOptions extends TaskOptions {
  /** Call the handler as `(ctx, ...args)`, as Celery's `bind=True`. @default false */
  bind?: boolean;
}

/** Celery's retry defaults. */
export const RETRY_DEFAULTS = {
  maxRetries: 3,
  defaultRetryDelay: 180,
  retryBackoffMax: 600,
  retryJitter: true,
} as const;
