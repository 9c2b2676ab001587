import { ConfigError } from '../errors/celeriac-error.ts';
import type { TaskOptions } from '../task/options.ts';
import type { GlobalRateLimiter } from './global-rate-limit.ts';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

/** `'10/s'` → 100 (ms between starts); `'100/m'`, `'1000/h'`; a bare number means per second. */
export function parseRate(rate: string | number): number {
  if (typeof rate === 'number') rate = `${rate}/s`;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*([smh]))?\s*$/.exec(rate);
  const count = Number(match?.[1]);
  const unit = UNIT_MS[match?.[2] ?? 's'];
  if (match === null || unit === undefined || !(count > 0)) {
    throw new ConfigError(`Invalid rate limit "${rate}": use '<n>/s', '<n>/m' or '<n>/h' with n > 0, e.g. '10/s'.`);
  }
  return unit / count;
}

/**
 * Evenly spaced starts per key (a token bucket with burst 1, as Celery's): with `'10/s'` a task
 * may start every 100 ms. `reserve()` books the next start and says how long to wait for it.
 */
export class RateLimiter {
  readonly #next = new Map<string, number>();

  /** Milliseconds to wait before starting, having booked that start. */
  reserve(key: string, intervalMs: number, now: number = Date.now()): number {
    const next = this.#next.get(key) ?? now;
    const start = Math.max(now, next);
    this.#next.set(key, start + intervalMs);
    return start - now;
  }
}

/** Rate limits set on a live worker (`app.control.rateLimit`), over the tasks' own. */
export class RateOverrides {
  /** Milliseconds between starts, or null for no limit. */
  readonly #intervals = new Map<string, number | null>();

  set(taskName: string, rate: string | null): void {
    this.#intervals.set(taskName, rate === null ? null : parseRate(rate));
  }

  /** Milliseconds between starts of `name`: the override, else the task's `rateLimit`. */
  intervalMs(name: string, options: TaskOptions): number | undefined {
    const override = this.#intervals.get(name);
    if (override !== undefined) return override ?? undefined;
    return options.rateLimit === undefined ? undefined : parseRate(options.rateLimit);
  }
}

/** What waiting for a rate-limited start needs from the worker. */
export interface RateLimitHost {
  readonly rateLimiter: RateLimiter;
  rateIntervalMs(name: string, options: TaskOptions): number | undefined;
  readonly globalRateLimiter: GlobalRateLimiter | undefined;
}

/**
 * Wait for this task type's turn under `rateLimit` (this worker) and `globalRateLimit` (the
 * cluster). Undefined (no promise, no tick) when the task type has no rate limit: the common case.
 */
export function waitForRate(host: RateLimitHost, name: string, options: TaskOptions): Promise<void> | undefined {
  const interval = host.rateIntervalMs(name, options);
  const global = options.globalRateLimit !== undefined ? host.globalRateLimiter : undefined;
  if (interval === undefined && global === undefined) return undefined;
  return (async () => {
    let wait = interval === undefined ? 0 : host.rateLimiter.reserve(name, interval);
    if (global !== undefined) wait = Math.max(wait, await global.reserve(name, parseRate(options.globalRateLimit!)));
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  })();
}
