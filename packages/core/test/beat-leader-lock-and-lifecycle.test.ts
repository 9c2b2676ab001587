import { ConfigError, every } from '@celeriac/core';
import { afterEach, describe, expect, it } from 'vitest';
import { messages, recordingLogger } from './beat-helpers.ts';
import { closeApps, makeApp, uniqueMemoryUrl, waitFor } from './helpers.ts';

afterEach(closeApps);

const schedule = { tick: { task: 'x.tick', schedule: every(60) } };

describe('beat: leader lock', () => {
  it('of two beats sharing a backend, one leads; when it closes, the other takes over at once', async () => {
    const url = uniqueMemoryUrl('beat');
    const [a, b] = [makeApp({ broker: url }), makeApp({ broker: url })];
    const first = a.beat({ schedule });
    const second = b.beat({ schedule });
    await first.start();
    await second.start();
    expect([first.isLeader, second.isLeader]).toEqual([true, false]);
    const backend = await a.backend();
    expect(await backend.get('beat:leader:default')).toBe(first.owner);

    await first.close();
    await waitFor(() => second.isLeader, { timeout: 2_000, message: 'the second beat leads' });
    expect(await backend.get('beat:leader:default')).toBe(second.owner);
  });

  it('beats with different names have separate locks', async () => {
    const app = makeApp();
    const one = app.beat({ schedule, name: 'one' });
    const two = app.beat({ schedule, name: 'two' });
    await Promise.all([one.start(), two.start()]);
    expect([one.isLeader, two.isLeader]).toEqual([true, true]);
  });

  it('says, at start, that a memory backend serves this process only', async () => {
    const { logger, lines } = recordingLogger();
    await makeApp({ logger }).beat({ schedule }).start();
    expect(messages(lines, 40)).toContain(
      'beat runs on an in-process result backend (memory): its lock and last-run times are not shared with other processes, so beats started in other processes would each send every tick. Run one beat process, or use a Redis backend to run several.',
    );
    expect(lines.find((line) => line.msg === 'beat started')).toMatchObject({
      entries: ['tick: x.tick, every 60s'],
    });
  });
});

describe('beat: lifecycle', () => {
  it('app.close() closes its beats and releases the lock', async () => {
    const app = makeApp();
    const beat = app.beat({ schedule });
    await beat.start();
    const backend = await app.backend();
    await app.close();
    expect(beat.isLeader).toBe(false);
    expect(await backend.get('beat:leader:default')).toBeNull();
    await expect(beat.start()).rejects.toThrow('This beat is closed; create a new one with app.beat().');
    expect(() => app.beat({ schedule })).toThrow('This app is closed');
  });

  it('start() twice is one start; close() before start() is fine', async () => {
    const app = makeApp();
    const beat = app.beat({ schedule });
    await Promise.all([beat.start(), beat.start()]);
    expect(beat.isLeader).toBe(true);
    await app.beat({ schedule, name: 'never-started' }).close();
  });

  it('start() rejects with a ConfigError when the app keeps no results', async () => {
    const beat = makeApp({ backend: null }).beat({ schedule });
    const error = await beat.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(
      /^Beat keeps its leader lock and last-run times in the result backend, and this app has none: Results are disabled/,
    );
  });
});

describe('beat: options are checked at app.beat()', () => {
  it.each([
    [{}, 'app.beat() needs a schedule object'],
    [{ schedule: [] }, 'app.beat() needs a schedule object'],
    [{ schedule: { a: { schedule: every(1) } } }, 'Beat entry "a" needs a task: a task name'],
    [{ schedule: { a: { task: '', schedule: every(1) } } }, 'Beat entry "a" needs a task'],
    [
      { schedule: { a: { task: 'x', schedule: 60 } } },
      'Beat entry "a" needs a schedule made by every(…) or crontab(…), e.g. schedule: every(60) or crontab(\'0 0 * * *\'); got 60.',
    ],
    [{ schedule: { a: { task: 'x', schedule: '0 0 * * *' } } }, 'needs a schedule made by every(…) or crontab(…)'],
    [{ schedule: { a: { task: 'x', schedule: every(1), args: 'nope' } } }, 'Beat entry "a" args must be an array'],
    [{ schedule: { a: { task: 'x', schedule: every(1), args: [new Date()] } } }, 'beat entry "a" args[0]'],
    [{ schedule: {}, catchUp: 'all' }, `Beat catchUp must be 'once' or 'skip', got "all".`],
    [{ schedule: {}, lockTtl: 0 }, 'Beat lockTtl must be a number of seconds > 0, got 0.'],
    [{ schedule: {}, maxInterval: -1 }, 'Beat maxInterval must be a number of seconds > 0, got -1.'],
    [{ schedule: {}, name: '' }, 'Beat name must be a non-empty string.'],
  ])('%j → ConfigError', (options, message) => {
    const app = makeApp();
    expect(() => app.beat(options as never)).toThrow(ConfigError);
    expect(() => app.beat(options as never)).toThrow(message);
  });

  it('accepts a Task as the task', () => {
    const app = makeApp();
    const task = app.task('x.typed', () => null);
    expect(() => app.beat({ schedule: { typed: { task, schedule: every(60) } } })).not.toThrow();
  });
});
