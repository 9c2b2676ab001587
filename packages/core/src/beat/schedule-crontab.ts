import { CronExpressionParser } from 'cron-parser';
import { ConfigError } from '../errors/celeriac-error.ts';
import type { Schedule } from './schedule.ts';

/** One crontab field: a value (`0`), a list (`[0, 30]`) or cron syntax (`'*\/15'`, `'mon-fri'`, `'1-5'`). */
export type CrontabField = number | string | readonly number[];

/** Celery's `crontab(minute=…, hour=…)`, camelCased. A field left out is `'*'` (every value), as in Celery. */
export interface CrontabFields {
  /** 0–59. @default '*' */
  minute?: CrontabField;
  /** 0–23. @default '*' */
  hour?: CrontabField;
  /** 0–7 (0 and 7 are Sunday) or `'mon'`…`'sun'`. @default '*' */
  dayOfWeek?: CrontabField;
  /** 1–31 or `'L'` (last day). @default '*' */
  dayOfMonth?: CrontabField;
  /** 1–12 or `'jan'`…`'dec'`. @default '*' */
  monthOfYear?: CrontabField;
}

/** Options of {@link crontab}. */
export interface CrontabOptions {
  /** IANA time zone the fields are read in; daylight-saving changes are handled by cron-parser. @default 'UTC' */
  tz?: string;
}

/**
 * A cron schedule evaluated by cron-parser in a time zone. Made by {@link crontab}.
 *
 * Across daylight-saving changes it does what cron-parser does: a time that does not exist that
 * day (02:00 in Europe/Berlin on the spring-forward Sunday) runs at the first instant after the gap
 * (03:00 local, once); a time that happens twice (02:00 on the fall-back Sunday) runs once, at its
 * first occurrence.
 */
export class CrontabSchedule implements Schedule {
  /** The cron expression (5 fields, or 6 with seconds first, or an `@daily`-style alias). */
  readonly expression: string;
  /** The time zone the expression is read in. */
  readonly tz: string;

  constructor(expression: string, options: CrontabOptions = {}, shownAs: string = JSON.stringify(expression)) {
    this.expression = expression;
    this.tz = options.tz ?? 'UTC';
    assertTimeZone(this.tz, shownAs);
    const fields = expression.trim().split(/\s+/);
    const alias = fields.length === 1 && fields[0]?.startsWith('@') === true;
    if (!alias && fields.length !== 5 && fields.length !== 6) {
      throw new ConfigError(
        `crontab(${shownAs}) needs 5 fields "minute hour day-of-month month day-of-week" (or 6 with seconds first, or an alias such as '@daily'), got ${fields[0] === '' ? 0 : fields.length}.`,
      );
    }
    try {
      this.next(Date.now());
    } catch (error) {
      throw new ConfigError(`crontab(${shownAs}) is not a valid cron schedule: ${(error as Error).message}.`, {
        cause: error,
      });
    }
  }

  next(after: number): number {
    return this.#parse(after).next().getTime();
  }

  latest(after: number, until: number): number | undefined {
    if (until <= after) return undefined;
    // cron-parser's prev() does not always mirror next(): on a fall-back day prev() finds the second
    // 02:00, next() only the first. So step back two ticks with prev() (from 1 ms past `until`, as
    // prev() is strictly before) and walk forward with next(), which defines the ticks.
    let from = after;
    try {
      const back = this.#parse(until + 1);
      back.prev();
      from = Math.max(after, back.prev().getTime() - 1);
    } catch {
      // No tick that far back: walk from `after`.
    }
    return this.#lastUntil(from, until) ?? (from > after ? this.#lastUntil(after, until) : undefined);
  }

  #lastUntil(from: number, until: number): number | undefined {
    let found: number | undefined;
    for (let tick = this.next(from), steps = 0; tick <= until && steps < 10_000; tick = this.next(tick), steps++) {
      found = tick;
    }
    return found;
  }

  toString(): string {
    return `crontab ${this.expression} (${this.tz})`;
  }

  #parse(currentDate: number) {
    // A fixed hash seed: an `H` field must pick the same value in every beat process.
    return CronExpressionParser.parse(this.expression, {
      currentDate: new Date(currentDate),
      tz: this.tz,
      hashSeed: this.expression,
    });
  }
}

/**
 * Run on a cron schedule: `crontab('0 0 * * *')` (midnight UTC), `crontab('30 7 * * mon-fri', { tz:
 * 'Europe/Berlin' })`, or Celery-style fields `crontab({ minute: 0, hour: 0 })` (fields left out
 * are `'*'`). Time zones and daylight saving are handled by cron-parser; the default zone is UTC.
 *
 * @throws ConfigError for an invalid expression, field or time zone.
 */
export function crontab(schedule: string | CrontabFields, options: CrontabOptions = {}): CrontabSchedule {
  if (typeof schedule === 'string') return new CrontabSchedule(schedule, options);
  if (schedule === null || typeof schedule !== 'object' || Array.isArray(schedule)) {
    throw new ConfigError(
      `crontab() takes a cron expression ('0 0 * * *') or fields ({ minute: 0, hour: 0 }), got ${String(schedule)}.`,
    );
  }
  const known = new Set(['minute', 'hour', 'dayOfWeek', 'dayOfMonth', 'monthOfYear']);
  const unknown = Object.keys(schedule).filter((key) => !known.has(key));
  if (unknown.length > 0) {
    throw new ConfigError(
      `crontab() has no field ${unknown.map((key) => `"${key}"`).join(', ')}: use minute, hour, dayOfWeek, dayOfMonth, monthOfYear.`,
    );
  }
  const expression = [
    field(schedule.minute, 'minute'),
    field(schedule.hour, 'hour'),
    field(schedule.dayOfMonth, 'dayOfMonth'),
    field(schedule.monthOfYear, 'monthOfYear'),
    field(schedule.dayOfWeek, 'dayOfWeek'),
  ].join(' ');
  return new CrontabSchedule(expression, options, `${describeFields(schedule)} → "${expression}"`);
}

function field(value: CrontabField | undefined, name: string): string {
  if (value === undefined) return '*';
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return String(value);
  if (Array.isArray(value) && value.length > 0 && value.every((v) => Number.isInteger(v) && v >= 0)) {
    return value.join(',');
  }
  if (typeof value === 'string' && value.trim() !== '' && !/\s/.test(value.trim())) return value.trim();
  throw new ConfigError(
    `crontab() field ${name} must be an integer ≥ 0, a non-empty list of them, or cron syntax without spaces ('*/15', '1-5', 'mon-fri'); got ${JSON.stringify(value) ?? String(value)}.`,
  );
}

function describeFields(fields: CrontabFields): string {
  return `{ ${Object.entries(fields)
    .map(([key, value]) => `${key}: ${JSON.stringify(value)}`)
    .join(', ')} }`;
}

function assertTimeZone(tz: unknown, shownAs: string): void {
  try {
    if (typeof tz !== 'string' || tz === '') throw new RangeError('empty');
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw new ConfigError(
      `crontab(${shownAs}) has an unknown time zone ${JSON.stringify(tz) ?? String(tz)}: use an IANA name such as 'UTC' or 'Europe/Berlin'.`,
    );
  }
}
