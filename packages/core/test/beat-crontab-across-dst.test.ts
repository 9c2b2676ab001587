import { crontab } from '@celeriac/core';
import { describe, expect, it } from 'vitest';

/** The next `count` ticks after `from` (ISO), as ISO strings in UTC. */
function nextRuns(schedule: { next(after: number): number }, from: string, count: number): string[] {
  const out: string[] = [];
  let t = Date.parse(from);
  for (let i = 0; i < count; i++) {
    t = schedule.next(t);
    out.push(new Date(t).toISOString());
  }
  return out;
}

// Europe/Berlin is UTC+1 (CET) in winter and UTC+2 (CEST) in summer. In 2026 the clocks jump from
// 02:00 to 03:00 on Sunday 29 March and fall back from 03:00 to 02:00 on Sunday 25 October.
describe("crontab('0 2 * * *', { tz: 'Europe/Berlin' }) across daylight-saving changes", () => {
  const nightly = crontab('0 2 * * *', { tz: 'Europe/Berlin' });

  it('spring forward (2026-03-29): 02:00 does not exist that day, so it runs once at 03:00 CEST (01:00Z)', () => {
    expect(nextRuns(nightly, '2026-03-27T12:00:00Z', 4)).toEqual([
      '2026-03-28T01:00:00.000Z', // 02:00 CET
      '2026-03-29T01:00:00.000Z', // 03:00 CEST: the first instant after the skipped hour
      '2026-03-30T00:00:00.000Z', // 02:00 CEST
      '2026-03-31T00:00:00.000Z',
    ]);
  });

  it('fall back (2026-10-25): 02:00 happens twice, and it runs once, at the first (02:00 CEST = 00:00Z)', () => {
    const runs = nextRuns(nightly, '2026-10-23T12:00:00Z', 4);
    expect(runs).toEqual([
      '2026-10-24T00:00:00.000Z', // 02:00 CEST
      '2026-10-25T00:00:00.000Z', // 02:00 CEST, the first of the two 02:00s
      '2026-10-26T01:00:00.000Z', // 02:00 CET
      '2026-10-27T01:00:00.000Z',
    ]);
    const onTheDay = runs.filter((run) => run.startsWith('2026-10-25'));
    expect(onTheDay).toHaveLength(1);
    // The second 02:00 (01:00Z) is not a tick: after the first run, the next is the following day.
    expect(new Date(nightly.next(Date.parse('2026-10-25T00:00:00Z'))).toISOString()).toBe('2026-10-26T01:00:00.000Z');
  });

  it('a beat that was down over the change finds the one run it missed (latest())', () => {
    const missed = nightly.latest(Date.parse('2026-10-24T00:00:00Z'), Date.parse('2026-10-25T02:30:00Z'));
    expect(new Date(missed as number).toISOString()).toBe('2026-10-25T00:00:00.000Z');
    const spring = nightly.latest(Date.parse('2026-03-28T01:00:00Z'), Date.parse('2026-03-29T05:00:00Z'));
    expect(new Date(spring as number).toISOString()).toBe('2026-03-29T01:00:00.000Z');
  });

  it('a half-hourly schedule runs through the repeated hour in real time (both 02:00 and both 02:30)', () => {
    expect(nextRuns(crontab('*/30 * * * *', { tz: 'Europe/Berlin' }), '2026-10-24T23:45:00Z', 4)).toEqual([
      '2026-10-25T00:00:00.000Z', // 02:00 CEST
      '2026-10-25T00:30:00.000Z', // 02:30 CEST
      '2026-10-25T01:00:00.000Z', // 02:00 CET
      '2026-10-25T01:30:00.000Z', // 02:30 CET
    ]);
  });
});
