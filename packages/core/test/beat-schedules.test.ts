import { ConfigError, CrontabSchedule, crontab, EverySchedule, every } from '@celeriac/core';
import { describe, expect, it } from 'vitest';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

/** The next `count` ticks after `from`, as ISO strings. */
function ticks(schedule: { next(after: number): number }, from: string, count: number): string[] {
  const out: string[] = [];
  let t = at(from);
  for (let i = 0; i < count; i++) {
    t = schedule.next(t);
    out.push(new Date(t).toISOString());
  }
  return out;
}

describe('every()', () => {
  it('takes seconds (fractions allowed) or a number with a unit s, m, h or d', () => {
    expect(every(30).seconds).toBe(30);
    expect(every(0.25).seconds).toBe(0.25);
    expect(every('10s').seconds).toBe(10);
    expect(every('10m').seconds).toBe(600);
    expect(every('24h').seconds).toBe(86_400);
    expect(every('1d').seconds).toBe(86_400);
    expect(every('1.5h').seconds).toBe(5400);
    expect(every('10m')).toBeInstanceOf(EverySchedule);
    expect(String(every('10m'))).toBe('every 600s');
  });

  it('ticks one interval after the previous tick, and finds the latest tick of a missed run', () => {
    const schedule = every('10m');
    const last = at('2026-01-01T00:00:00Z');
    expect(iso(schedule.next(last))).toBe('2026-01-01T00:10:00.000Z');
    expect(schedule.latest(last, at('2026-01-01T00:09:59.999Z'))).toBeUndefined();
    expect(iso(schedule.latest(last, at('2026-01-01T00:10:00Z')))).toBe('2026-01-01T00:10:00.000Z');
    expect(iso(schedule.latest(last, at('2026-01-01T01:05:00Z')))).toBe('2026-01-01T01:00:00.000Z');
  });

  it.each([
    [0, 'every() needs an interval > 0 seconds, got 0.'],
    [-5, 'every() needs an interval > 0 seconds, got -5.'],
    [Number.NaN, 'every() needs an interval > 0 seconds, got NaN.'],
    [Number.POSITIVE_INFINITY, 'every() needs an interval > 0 seconds, got Infinity.'],
    ['0m', 'every() needs an interval > 0 seconds, got 0m.'],
  ])('rejects %s with a ConfigError', (bad, message) => {
    expect(() => every(bad as never)).toThrow(ConfigError);
    expect(() => every(bad as never)).toThrow(message);
  });

  it.each(['10', '10x', '10 minutes', '', 'm', '-1m', '1e3s'])(
    'rejects the string %j and says what it takes',
    (bad) => {
      expect(() => every(bad as never)).toThrow(ConfigError);
      expect(() => every(bad as never)).toThrow(
        `every() takes seconds (every(30)) or a number with a unit s, m, h or d (every('10m'), every('1d')); got ${JSON.stringify(bad)}.`,
      );
    },
  );
});

describe('crontab()', () => {
  it('reads an expression in UTC by default', () => {
    const schedule = crontab('0 0 * * *');
    expect(schedule).toBeInstanceOf(CrontabSchedule);
    expect(schedule.tz).toBe('UTC');
    expect(String(schedule)).toBe('crontab 0 0 * * * (UTC)');
    expect(ticks(schedule, '2026-05-10T12:00:00Z', 2)).toEqual([
      '2026-05-11T00:00:00.000Z',
      '2026-05-12T00:00:00.000Z',
    ]);
  });

  it('next() is strictly after the given instant; latest() includes its end', () => {
    const schedule = crontab('0 0 * * *');
    expect(iso(schedule.next(at('2026-05-11T00:00:00Z')))).toBe('2026-05-12T00:00:00.000Z');
    expect(iso(schedule.latest(at('2026-05-01T00:00:00Z'), at('2026-05-11T00:00:00Z')))).toBe(
      '2026-05-11T00:00:00.000Z',
    );
    expect(iso(schedule.latest(at('2026-05-01T00:00:00Z'), at('2026-05-10T23:59:59Z')))).toBe(
      '2026-05-10T00:00:00.000Z',
    );
    expect(schedule.latest(at('2026-05-10T00:00:00Z'), at('2026-05-10T23:59:59Z'))).toBeUndefined();
  });

  it('takes Celery-style fields, "*" where left out, in a time zone', () => {
    expect(crontab({ minute: 0, hour: 0 }).expression).toBe('0 0 * * *');
    expect(crontab({ minute: [0, 30], hour: '9-17', dayOfWeek: 'mon-fri' }).expression).toBe('0,30 9-17 * * mon-fri');
    expect(crontab({ minute: 15, hour: 3, dayOfMonth: 1, monthOfYear: 'jan' }).expression).toBe('15 3 1 jan *');
    expect(crontab({ hour: 7 }).expression).toBe('* 7 * * *');
    const morning = crontab({ minute: 30, hour: 7 }, { tz: 'America/New_York' });
    expect(ticks(morning, '2026-01-05T00:00:00Z', 1)).toEqual(['2026-01-05T12:30:00.000Z']);
    expect(ticks(morning, '2026-07-05T00:00:00Z', 1)).toEqual(['2026-07-05T11:30:00.000Z']);
  });

  it('accepts aliases and a seconds field', () => {
    expect(ticks(crontab('@daily'), '2026-01-01T10:00:00Z', 1)).toEqual(['2026-01-02T00:00:00.000Z']);
    expect(ticks(crontab('*/15 * * * * *'), '2026-01-01T10:00:00Z', 2)).toEqual([
      '2026-01-01T10:00:15.000Z',
      '2026-01-01T10:00:30.000Z',
    ]);
  });

  it.each([
    [
      '61 * * * *',
      'crontab("61 * * * *") is not a valid cron schedule: Constraint error, got value 61 expected range 0-59.',
    ],
    ['0 0 30 2 *', 'crontab("0 0 30 2 *") is not a valid cron schedule: Invalid explicit day of month definition.'],
    ['nope', 'crontab("nope") needs 5 fields "minute hour day-of-month month day-of-week"'],
    ['* * *', 'crontab("* * *") needs 5 fields'],
    [
      '',
      'crontab("") needs 5 fields "minute hour day-of-month month day-of-week" (or 6 with seconds first, or an alias such as \'@daily\'), got 0.',
    ],
    ['0 0 * * * * *', 'crontab("0 0 * * * * *") needs 5 fields'],
    ['@sometimes', 'crontab("@sometimes") is not a valid cron schedule: Validation error, cannot resolve alias'],
  ])('rejects %j with a ConfigError that says why', (bad, message) => {
    expect(() => crontab(bad)).toThrow(ConfigError);
    expect(() => crontab(bad)).toThrow(message);
  });

  it('rejects an unknown time zone, bad fields and unknown field names', () => {
    expect(() => crontab('0 0 * * *', { tz: 'Mars/Olympus' })).toThrow(
      `crontab("0 0 * * *") has an unknown time zone "Mars/Olympus": use an IANA name such as 'UTC' or 'Europe/Berlin'.`,
    );
    expect(() => crontab({ minute: 75 })).toThrow(
      'crontab({ minute: 75 } → "75 * * * *") is not a valid cron schedule: Constraint error, got value 75 expected range 0-59.',
    );
    expect(() => crontab({ minute: -1 })).toThrow('crontab() field minute must be an integer ≥ 0');
    expect(() => crontab({ hour: '1 2' })).toThrow('crontab() field hour must be an integer ≥ 0');
    expect(() => crontab({ hour: [] })).toThrow(ConfigError);
    expect(() => crontab({ hours: 3 } as never)).toThrow(
      'crontab() has no field "hours": use minute, hour, dayOfWeek, dayOfMonth, monthOfYear.',
    );
    expect(() => crontab(42 as never)).toThrow(ConfigError);
  });
});
