import { crontab, every, type ResultBackend } from '@celeriac/core';
import { afterEach, describe, expect, it } from 'vitest';
import { BeatState } from '../src/beat/beat-state.ts';
import { lastRun, messages, queued, recordingLogger, setLastRun } from './beat-helpers.ts';
import { closeApps, makeApp, quietWindow, waitFor } from './helpers.ts';

afterEach(closeApps);

const MINUTE = 60_000;

describe('beat: persisted last-run times', () => {
  it('a first start sends nothing at once and records where the schedule starts', async () => {
    const app = makeApp();
    const before = Date.now();
    await app.beat({ schedule: { hourly: { task: 'report.hourly', schedule: every('1h') } } }).start();
    const anchor = await waitFor(() => lastRun(app, 'hourly'));
    expect(anchor).toBeGreaterThanOrEqual(before);
    expect(anchor).toBeLessThanOrEqual(Date.now());
    await quietWindow(100);
    expect(await queued(app)).toBe(0);
  });

  it('a restart does not resend the last tick: the next run is one interval after it', async () => {
    const app = makeApp();
    const last = Date.now() - 30_000;
    await setLastRun(app, 'tick', last);
    await app.beat({ schedule: { tick: { task: 'x.tick', schedule: every(60) } } }).start();
    await quietWindow(150);
    expect(await queued(app)).toBe(0);
    expect(await lastRun(app, 'tick')).toBe(last);
  });

  it("catchUp 'once' (default): ticks missed while down give ONE run at start, recorded as the latest missed tick", async () => {
    const { logger, lines } = recordingLogger();
    const app = makeApp({ logger });
    const last = Date.now() - 10 * MINUTE - 5_000; // ten ticks of every(60) fell due while down
    await setLastRun(app, 'tick', last);
    await app.beat({ schedule: { tick: { task: 'x.tick', schedule: every(60), args: [1, 'a'] } } }).start();
    await waitFor(async () => (await queued(app)) === 1, { message: 'one catch-up run' });
    await quietWindow(150);
    expect(await queued(app)).toBe(1);
    expect(await lastRun(app, 'tick')).toBe(last + 10 * MINUTE);
    expect(messages(lines, 30)).toContain("beat sends one run of tick for its missed ticks (catchUp: 'once')");
    const sent = lines.find((line) => line.msg === 'beat sent tick');
    expect(sent).toMatchObject({ entry: 'tick', task: 'x.tick', due: new Date(last + 10 * MINUTE).toISOString() });
  });

  it("catchUp 'skip': ticks missed while down send nothing; the next tick keeps the rhythm", async () => {
    const { logger, lines } = recordingLogger();
    const app = makeApp({ logger });
    const last = Date.now() - 10 * MINUTE - 5_000;
    await setLastRun(app, 'tick', last);
    await app.beat({ schedule: { tick: { task: 'x.tick', schedule: every(60) } }, catchUp: 'skip' }).start();
    await waitFor(async () => (await lastRun(app, 'tick')) === last + 10 * MINUTE, {
      message: 'skipped ticks recorded',
    });
    await quietWindow(150);
    expect(await queued(app)).toBe(0);
    expect(messages(lines, 30)).toContain("beat skips the missed ticks of tick (catchUp: 'skip')");
  });

  it('a crontab entry catches up once too: the run is the latest missed cron tick', async () => {
    const app = makeApp();
    const now = Date.now();
    const latestMinute = Math.floor(now / MINUTE) * MINUTE;
    await setLastRun(app, 'minutely', latestMinute - 5 * MINUTE);
    await app.beat({ schedule: { minutely: { task: 'x.minutely', schedule: crontab('* * * * *') } } }).start();
    await waitFor(async () => (await queued(app)) === 1);
    expect(await lastRun(app, 'minutely')).toBe(latestMinute);
  });

  it('a tick already claimed (sent by a beat that died before recording it) is not sent again', async () => {
    const app = makeApp();
    const last = Date.now() - MINUTE - 1_000;
    await setLastRun(app, 'tick', last);
    const backend = await app.backend();
    await backend.setIfAbsent(`beat:tick:tick:${last + MINUTE}`, 'another-beat', 600);
    await app.beat({ schedule: { tick: { task: 'x.tick', schedule: every(60) } } }).start();
    await waitFor(async () => (await lastRun(app, 'tick')) === last + MINUTE, { message: 'claimed tick recorded' });
    expect(await queued(app)).toBe(0);
  });

  it('a beat killed between the delete and the write of a last-run time leaves the previous time', async () => {
    const backend = await makeApp().backend();
    const state = new BeatState(backend, 'beat-a');
    await state.setLast('tick', 1_000, 60);
    await state.setLast('tick', 2_000, 60);
    // Dies after deleting the slot it replaces, before writing it.
    const dying = {
      get: (key: string) => backend.get(key),
      delete: (key: string) => backend.delete(key),
      setIfAbsent: () => Promise.reject(new Error('killed')),
    } as unknown as ResultBackend;
    await expect(new BeatState(dying, 'beat-a').setLast('tick', 3_000, 60)).rejects.toThrow('killed');
    expect(await new BeatState(backend, 'beat-b').last('tick')).toBe(2_000);
    await new BeatState(backend, 'beat-b').setLast('tick', 3_000, 60);
    expect(await new BeatState(backend, 'beat-c').last('tick')).toBe(3_000);
  });

  it('a last run in the future (the clock went back) restarts the schedule from now, with a warning', async () => {
    const { logger, lines } = recordingLogger();
    const app = makeApp({ logger });
    await setLastRun(app, 'tick', Date.now() + 3_600_000);
    await app.beat({ schedule: { tick: { task: 'x.tick', schedule: every(60) } } }).start();
    await waitFor(async () => ((await lastRun(app, 'tick')) ?? 0) <= Date.now(), { message: 'rescheduled' });
    expect(messages(lines, 40)).toContain(
      'beat entry tick last ran in the future (the clock went back?): its schedule restarts from now',
    );
    expect(await queued(app)).toBe(0);
  });
});

describe('beat: sending', () => {
  it('sends through the app: routing applies, args and call options are used, a worker runs it', async () => {
    const { logger, lines } = recordingLogger();
    const app = makeApp({ logger, routes: { 'reports.*': { queue: 'reports' } } });
    const runs: unknown[][] = [];
    app.task('reports.daily', (...args: unknown[]) => {
      runs.push(args);
      return null;
    });
    await setLastRun(app, 'daily', Date.now() - 86_400_000 - 1_000);
    await app.worker({ queues: ['reports'] }).start();
    const beat = app.beat({
      schedule: {
        daily: { task: 'reports.daily', schedule: every('1d'), args: [{ region: 'eu' }], options: { priority: 5 } },
      },
    });
    await beat.start();
    await waitFor(() => runs.length === 1);
    expect(runs[0]).toEqual([{ region: 'eu' }]);
    expect(lines.find((line) => line.msg === 'beat sent daily')).toMatchObject({
      level: 30,
      beat: 'default',
      entry: 'daily',
      task: 'reports.daily',
      taskId: expect.any(String),
    });
  });

  it('a failed send (broker down) is logged with what to do and retried at the next wake; beat keeps running', async () => {
    const { logger, lines } = recordingLogger();
    const app = makeApp({ logger });
    const broker = await app.broker();
    const publish = broker.publish.bind(broker);
    let down = true;
    broker.publish = (messages) => (down ? Promise.reject(new Error('connection refused')) : publish(messages));
    await setLastRun(app, 'tick', Date.now() - MINUTE - 1_000);
    const beat = app.beat({ schedule: { tick: { task: 'x.tick', schedule: every(60) } }, maxInterval: 0.05 });
    await beat.start();
    await waitFor(() => lines.some((line) => line.level === 50), { message: 'an error log' });
    const error = lines.find((line) => line.level === 50);
    expect(error?.msg).toBe(
      'beat could not send tick (x.tick): check that the broker is reachable; beat retries every 0.05s until it is',
    );
    expect(error).toMatchObject({ entry: 'tick', attempts: 1, err: { message: 'connection refused' } });
    await quietWindow(150); // several retries, reported once
    expect(lines.filter((line) => line.level === 50)).toHaveLength(1);
    down = false;
    await waitFor(async () => (await queued(app)) === 1, { message: 'sent once the broker is back' });
    await quietWindow(100);
    expect(await queued(app)).toBe(1);
    expect(lines.find((line) => line.msg === 'beat sent tick')?.attempts).toBeGreaterThan(1);
    expect(beat.isLeader).toBe(true);
  });
});
