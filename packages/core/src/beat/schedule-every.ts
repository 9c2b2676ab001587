import { ConfigError } from '../errors/celeriac-error.ts';
import type { Schedule } from './schedule.ts';

/** A duration: seconds, or a number with a unit: `'30s'`, `'10m'`, `'24h'`, `'1d'` (fractions allowed). */
export type Interval = number | `${number}${'s' | 'm' | 'h' | 'd'}`;

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
const PATTERN = /^(\d+(?:\.\d+)?|\.\d+)\s*([smhd])$/;

/** A fixed interval: each tick falls due `seconds` after the previous one. Made by {@link every}. */
export class EverySchedule implements Schedule {
  /** The interval in seconds. */
  readonly seconds: number;
  readonly #ms: number;

  constructor(interval: Interval) {
    this.seconds = parseInterval(interval);
    this.#ms = Math.max(1, Math.round(this.seconds * 1000));
  }

  next(after: number): number {
    return after + this.#ms;
  }

  latest(after: number, until: number): number | undefined {
    if (until < after + this.#ms) return undefined;
    return after + Math.floor((until - after) / this.#ms) * this.#ms;
  }

  toString(): string {
    return `every ${this.seconds}s`;
  }
}

/**
 * Run every `interval`: seconds (`every(30)`, fractions allowed) or a string with a unit
 * (`every('10m')`, `'24h'`, `'1d'`). The first run falls due one interval after beat first runs the
 * entry; later runs one interval after the previous tick (persisted, so restarts keep the rhythm).
 *
 * @throws ConfigError when the interval is not a positive number of seconds or a `<n>s|m|h|d` string.
 */
export function every(interval: Interval): EverySchedule {
  return new EverySchedule(interval);
}

function parseInterval(interval: Interval): number {
  let seconds: number;
  if (typeof interval === 'number') {
    seconds = interval;
  } else {
    const match = typeof interval === 'string' ? PATTERN.exec(interval.trim()) : null;
    if (match === null) {
      throw new ConfigError(
        `every() takes seconds (every(30)) or a number with a unit s, m, h or d (every('10m'), every('1d')); got ${JSON.stringify(interval) ?? String(interval)}.`,
      );
    }
    seconds = Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
  }
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
    throw new ConfigError(`every() needs an interval > 0 seconds, got ${String(interval)}.`);
  }
  return seconds;
}
