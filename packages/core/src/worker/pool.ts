import type { Logger } from 'pino';
import { runWithContext } from '../task/context.ts';
import type { TaskOptions } from '../task/options.ts';
import type { Task } from '../task/task.ts';
import type { ExecutionContext } from './execution-context.ts';
import type { WorkerOptions } from './options.ts';
import { ThreadPool } from './pool-threads.ts';

/**
 * Where handlers run. The executor owns everything around a run (states, events, retries, acks);
 * a pool only runs the handler and settles with its return value or what it threw. Aborts reach a
 * pool through `ctx.signal`: its reason says why (soft/hard time limit, revoke, shutdown).
 */
export interface TaskPool {
  run(task: Task<never[], unknown>, ctx: ExecutionContext, options: TaskOptions): Promise<unknown>;
  close(): Promise<void>;
}

/** Runs handlers on this event loop, inside the task's AsyncLocalStorage context. */
export class AsyncPool implements TaskPool {
  run(task: Task<never[], unknown>, ctx: ExecutionContext): Promise<unknown> {
    try {
      // Handlers may be synchronous: their value or throw becomes a settled promise.
      return Promise.resolve(runWithContext(ctx, () => task.run(ctx, ctx.args as unknown[])));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** The pool a worker's options ask for: threads running `module`, or this event loop. */
export function createPool(options: WorkerOptions, size: number, logger: Logger, hostname: string): TaskPool {
  if (options.pool !== 'threads' || options.module === undefined) return new AsyncPool();
  return new ThreadPool({ module: options.module, size, maxTasksPerChild: options.maxTasksPerChild, logger, hostname });
}
