import { SoftTimeLimitExceeded, TimeLimitExceeded } from '../errors/task-errors.ts';
import type { TaskOptions } from '../task/options.ts';
import type { ExecutionContext } from './execution-context.ts';

/** Timers of one execution's time limits. */
export interface TimeLimits {
  /** Rejects with `TimeLimitExceeded` when the hard limit passes (never resolves). */
  hardLimit: Promise<never>;
  clear(): void;
}

/**
 * Start the soft limit (aborts `ctx.signal` with `SoftTimeLimitExceeded`, which the task may catch)
 * and the hard limit (fails the run with `TimeLimitExceeded`). Undefined when neither is set.
 */
export function startTimeLimits(ctx: ExecutionContext, options: TaskOptions): TimeLimits | undefined {
  const { timeLimit, softTimeLimit } = options;
  if (timeLimit === undefined && softTimeLimit === undefined) return undefined;
  const timers: NodeJS.Timeout[] = [];
  if (softTimeLimit !== undefined) {
    timers.push(setTimeout(() => ctx.abort(new SoftTimeLimitExceeded(softTimeLimit)), softTimeLimit * 1000));
  }
  const hardLimit = new Promise<never>((_, reject) => {
    if (timeLimit === undefined) return;
    timers.push(
      setTimeout(() => {
        const error = new TimeLimitExceeded(timeLimit);
        ctx.abort(error);
        reject(error);
      }, timeLimit * 1000),
    );
  });
  return {
    hardLimit,
    clear: () => {
      for (const timer of timers) clearTimeout(timer);
    },
  };
}
