import { SoftTimeLimitExceeded, TimeLimitExceeded } from '../errors/task-errors.ts';
import type { TaskOptions } from '../task/options.ts';
import type { ExecutionContext } from './execution-context.ts';

/** Hard and soft limits of one run, seconds. */
export interface RunLimits {
  timeLimit?: number | undefined;
  softTimeLimit?: number | undefined;
}

/**
 * The limits a run gets: the message's `timelimit` header (`[hard, soft]`, as Celery's callers set
 * it from `time_limit`/`soft_time_limit`) where it sets one, else the worker's task options.
 */
export function runLimits(options: TaskOptions, timelimit: unknown): RunLimits {
  const [hard, soft] = Array.isArray(timelimit) ? timelimit : [];
  return {
    timeLimit: positive(hard) ?? options.timeLimit,
    softTimeLimit: positive(soft) ?? options.softTimeLimit,
  };
}

function positive(value: unknown): number | undefined {
  return typeof value === 'number' && value > 0 && Number.isFinite(value) ? value : undefined;
}

/**
 * Start the soft limit (aborts `ctx.signal` with `SoftTimeLimitExceeded`, which the task may catch)
 * and the hard limit (terminates the run with `TimeLimitExceeded`). Returns the function that clears
 * both, or undefined when neither is set.
 */
export function startTimeLimits(ctx: ExecutionContext, limits: RunLimits): (() => void) | undefined {
  const { timeLimit, softTimeLimit } = limits;
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
