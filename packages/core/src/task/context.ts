import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'pino';
import type { Json } from '../json/json.ts';
import type { TaskState } from '../result/states.ts';

/** Everything a running task can know and do about its own execution (Celery's `self.request`). */
export interface TaskContext {
  readonly id: string;
  readonly name: string;
  readonly args: readonly Json[];
  readonly kwargs: Readonly<Record<string, Json>>;
  readonly headers: Readonly<Record<string, Json>>;
  /** How many times this task was retried before this run. */
  readonly retries: number;
  readonly queue: string;
  readonly rootId: string;
  readonly parentId: string | null;
  readonly groupId: string | null;
  /** Hostname of the worker running it. */
  readonly hostname: string;
  /** True when the broker delivered this message before (a crash or requeue): make the work idempotent. */
  readonly redelivered: boolean;
  /** Aborted on soft time limit, revoke with terminate, or worker shutdown; the reason says which. */
  readonly signal: AbortSignal;
  /** A pino child logger bound to this task. */
  readonly log: Logger;
  /** Store a custom state (e.g. `'PROGRESS'`) with meta, visible to `AsyncResult.info()` and as an event. */
  updateState(state: TaskState | string, meta?: Json): Promise<void>;
  /** Shorthand for `updateState('PROGRESS', { percent, ...meta })`. `percent` is 0–100. */
  progress(percent: number, meta?: Record<string, Json>): Promise<void>;
  /** Schedule this task again and stop this run. Counts toward `maxRetries`. */
  retry(options?: { countdown?: number; eta?: Date; error?: unknown }): never;
}

const storage = new AsyncLocalStorage<TaskContext>();

/** Run `fn` with `ctx` as the current task. */
export function runWithContext<T>(ctx: TaskContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

/** The context of the task running in this async call chain; throws outside of a task. */
export function currentTask(): TaskContext {
  const ctx = storage.getStore();
  if (ctx === undefined) {
    throw new Error(
      'currentTask() was called outside of a running task: call it from a task handler (or code it awaits).',
    );
  }
  return ctx;
}

/** Like `currentTask()` but `undefined` outside of a task. */
export function maybeCurrentTask(): TaskContext | undefined {
  return storage.getStore();
}
