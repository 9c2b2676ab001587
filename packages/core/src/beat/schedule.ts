import { ConfigError } from '../errors/celeriac-error.ts';

/**
 * When a beat entry falls due: `every(…)` or `crontab(…)`. Times are epoch milliseconds; a tick is
 * identified by the instant it falls due, so every beat process computes the same ticks.
 */
export interface Schedule {
  /** The first tick strictly after `after`. */
  next(after: number): number;
  /** The latest tick `t` with `after < t ≤ until`, or undefined when there is none. */
  latest(after: number, until: number): number | undefined;
  /** What the schedule is, for logs: `every 10s`, `crontab 0 0 * * * (UTC)`. */
  toString(): string;
}

/** Throws a `ConfigError` naming the entry when `value` is not a schedule. */
export function assertSchedule(value: unknown, entry: string): asserts value is Schedule {
  const candidate = value as Partial<Schedule> | null | undefined;
  if (typeof candidate?.next !== 'function' || typeof candidate.latest !== 'function') {
    throw new ConfigError(
      `Beat entry "${entry}" needs a schedule made by every(…) or crontab(…), e.g. schedule: every(60) or crontab('0 0 * * *'); got ${describe(value)}.`,
    );
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return String(value);
  return 'an object without next()/latest()';
}
