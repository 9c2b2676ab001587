import { SoftTimeLimitExceeded, TimeLimitExceeded } from '../errors/task-errors.ts';
import type { TaskOptions } from '../task/options.ts';
import type { ExecutionContext } from './execution-context.ts';

/**
 * Start the soft limit (aborts `ctx.signal` with `SoftTimeLimitExceeded`, which the task may catch)
 * and the hard limit (terminates the run with `TimeLimitExceeded`). Returns the function that clears
 * both, or undefined when neither is set.
 */
export function startTimeLimits(ctx: ExecutionContext, options: TaskOptions): (() => void) | undefined {
  const { timeLimit, softTimeLimit } = options;
  if (timeLimit === undefined && softTimeLimit === undefined) return undefined;
  const timers: NodeJS.Timeout[] = [];
  if (softTimeLimit !== undefined) {
    timers.push(setTimeout(() => ctx.abort(new SoftTimeLimitExceeded(softTimeLimit)), softTimeLimit * 1000));
  }
  if (timeLimit !== undefined) {
    timers.push(setTimeout(() => ctx.terminate(new TimeLimitExceeded(timeLimit)), timeLimit * 1000));
  }
  return () => {
    for (const timer of timers) clearTimeout(timer);
  };
}
