import { ConfigError } from '../errors/celeriac-error.ts';

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
