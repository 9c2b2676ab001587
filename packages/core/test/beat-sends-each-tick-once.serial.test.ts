import { every } from '@celeriac/core';
import { afterEach, describe, expect, it } from 'vitest';
import { queued, recordingLogger } from './beat-helpers.ts';
import { closeApps, makeApp, quietWindow, uniqueMemoryUrl } from './helpers.ts';

afterEach(closeApps);

/** Due times of the `beat sent` lines. */
const dues = (lines: Record<string, unknown>[]): number[] =>
  lines.filter((line) => line.msg === 'beat sent tick').map((line) => Date.parse(String(line.due)));

describe('beat on one shared memory backend (timing)', () => {
  it('every(0.2) for about 1.1 s sends about 5 runs, 200 ms apart', async () => {
    const { logger, lines } = recordingLogger('info');
    const app = makeApp({ logger });
    const beat = app.beat({ schedule: { tick: { task: 'x.tick', schedule: every(0.2) } } });
    await beat.start();
    await quietWindow(1_100);
    await beat.close();
    const sent = dues(lines);
    expect(sent.length).toBeGreaterThanOrEqual(4);
    expect(sent.length).toBeLessThanOrEqual(6);
    expect(await queued(app)).toBe(sent.length);
    for (let i = 1; i < sent.length; i++) expect((sent[i] as number) - (sent[i - 1] as number)).toBe(200);
  });

  it('three beats on one backend send each tick once (about 5 in 1.1 s, not 15)', async () => {
    const url = uniqueMemoryUrl('beats');
    const apps = [0, 1, 2].map(() => {
      const recorded = recordingLogger('info');
      return { ...recorded, app: makeApp({ broker: url, logger: recorded.logger }) };
    });
    const beats = apps.map(({ app }) => app.beat({ schedule: { tick: { task: 'x.tick', schedule: every(0.2) } } }));
    await Promise.all(beats.map((beat) => beat.start()));
    expect(beats.filter((beat) => beat.isLeader)).toHaveLength(1);
    await quietWindow(1_100);
    await Promise.all(beats.map((beat) => beat.close()));
    const sent = apps.flatMap(({ lines }) => dues(lines));
    expect(new Set(sent).size).toBe(sent.length);
    expect(sent.length).toBeGreaterThanOrEqual(4);
    expect(sent.length).toBeLessThanOrEqual(6);
    expect(await queued(apps[0]!.app)).toBe(sent.length);
  });

  it('a restart right after a tick sends the next tick on time, not the last one again', async () => {
    const url = uniqueMemoryUrl('restart');
    const first = recordingLogger('info');
    const app1 = makeApp({ broker: url, logger: first.logger });
    const beat1 = app1.beat({ schedule: { tick: { task: 'x.tick', schedule: every(0.3) } } });
    await beat1.start();
    await quietWindow(450); // one tick sent at +300 ms
    await beat1.close();
    const second = recordingLogger('info');
    const beat2 = makeApp({ broker: url, logger: second.logger }).beat({
      schedule: { tick: { task: 'x.tick', schedule: every(0.3) } },
    });
    await beat2.start();
    await quietWindow(500);
    await beat2.close();
    const [last] = dues(first.lines).slice(-1);
    expect(dues(first.lines)).toHaveLength(1);
    expect(dues(second.lines)[0]).toBe((last as number) + 300);
    expect(await queued(app1)).toBe(dues(first.lines).length + dues(second.lines).length);
  });
});
