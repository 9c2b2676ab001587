import { ConfigError } from '../errors/celeriac-error.ts';

/** A `Date` or ISO-8601 string → epoch ms; throws `ConfigError` naming the option otherwise. */
export function toEpochMs(value: Date | string, option: string): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new ConfigError(`${option} must be a Date or an ISO-8601 string, got ${String(value)}.`);
  }
  return ms;
}

/** Seconds (relative) or Date/ISO (absolute) → epoch ms. */
export function expiresToEpochMs(value: number | Date | string, now: number): number {
  if (typeof value === 'number') {
    assertSeconds(value, 'expires');
    return now + value * 1000;
  }
  return toEpochMs(value, 'expires');
}

export function assertSeconds(value: number, option: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ConfigError(`${option} must be a number of seconds ≥ 0, got ${String(value)}.`);
  }
}

export function assertPriority(value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 9) {
    throw new ConfigError(`priority must be an integer from 0 to 9 (higher runs first), got ${String(value)}.`);
  }
}
