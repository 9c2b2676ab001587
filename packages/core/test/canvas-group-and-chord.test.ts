import { chord, group, TaskFailedError } from '@celeriac/core';
import { afterEach, describe, expect, it } from 'vitest';
import { closeApps, deferred, makeApp, quietWindow, recordEvents, uniqueMemoryUrl, waitFor } from './helpers.ts';

class MemberError extends Error {
  override name = 'MemberError';
}

afterEach(closeApps);

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('group', () => {
  it('a group of 20 returns 20 results in member order, whatever order they finish in', async () => {
    const app = makeApp();
    const gate = deferred();
    const finished: number[] = [];
    const double = app.task('group.double', async (n: number) => {
      await gate.promise;
      // Later members finish first.
      await sleep((20 - n) * 3);
      finished.push(n);
      return n * 2;
    });
    await app.worker({ concurrency: 20 }).start();

    const result = await group(range(20).map((n) => double.s(n))).applyAsync();

    expect(result.results).toHaveLength(20);
    expect(await result.ready()).toBe(false);
    expect(await result.completedCount()).toBe(0);
    gate.resolve();

    expect(await result.get({ timeout: 5_000 })).toEqual(range(20).map((n) => n * 2));
    expect(finished).not.toEqual(range(20));
    expect(await result.ready()).toBe(true);
    expect(await result.completedCount()).toBe(20);
    expect(await result.successful()).toBe(true);
    // Each member's own handle is in member order too.
    expect(await Promise.all(result.results.map((member) => member.get({ timeout: 1_000 })))).toEqual(
      range(20).map((n) => n * 2),
    );
  });

  it('takes signatures as arguments or as one array, and members record the group id', async () => {
    const app = makeApp();
    const ident = app.task('group.ident', (ctx, n: number) => ({ n, group: ctx.groupId }), { bind: true });
    await app.worker({ concurrency: 4 }).start();

    const spread = await group(ident.s(1), ident.s(2)).applyAsync();
    const values = await spread.get({ timeout: 5_000 });

    expect(values.map((value) => value.n)).toEqual([1, 2]);
    expect(values.every((value) => value.group === spread.id)).toBe(true);
    expect(await (await group([ident.s(3)]).applyAsync()).get({ timeout: 5_000 })).toEqual([
      { n: 3, group: expect.any(String) },
    ]);
  });

  it('a failing member makes get() reject and failed() true; the others still succeed', async () => {
    const app = makeApp();
    const maybe = app.task('group.maybe', (n: number) => {
      if (n === 2) throw new MemberError(`member ${n} failed`);
      return n;
    });
    await app.worker({ concurrency: 4 }).start();

    const result = await group(range(4).map((n) => maybe.s(n))).applyAsync();

    await expect(result.get({ timeout: 5_000 })).rejects.toThrow(/member 2 failed/);
    await waitFor(() => result.ready());
    expect(await result.failed()).toBe(true);
    expect(await result.completedCount()).toBe(3);
  });
});

describe('chord', () => {
  it('a chord of 50 calls its callback exactly once, with the results in member order', async () => {
    const app = makeApp();
    const calls: number[][] = [];
    const square = app.task('chord.square', async (n: number) => {
      await sleep((n * 7) % 13);
      return n * n;
    });
    const collect = app.task('chord.collect', (results: number[]) => {
      calls.push(results);
      return results.reduce((sum, value) => sum + value, 0);
    });
    await app.worker({ concurrency: 10 }).start();

    const result = await chord(
      range(50).map((n) => square.s(n)),
      collect.s(),
    ).applyAsync();

    const expected = range(50).map((n) => n * n);
    expect(await result.get({ timeout: 10_000 })).toBe(expected.reduce((sum, value) => sum + value, 0));
    await quietWindow(100);
    expect(calls).toEqual([expected]);
  });

  it('with 2 workers racing (two apps on one broker, concurrency 10 each) the callback still runs exactly once', async () => {
    const url = uniqueMemoryUrl('chord-race');
    const calls: { host: string; results: number[] }[] = [];
    const apps = [makeApp({ broker: url }), makeApp({ broker: url })];
    const tasks = apps.map((app) => ({
      member: app.task(
        'chord.race.member',
        async (ctx, n: number) => {
          await sleep(n % 3);
          return { n, host: ctx.hostname };
        },
        { bind: true },
      ),
      callback: app.task(
        'chord.race.callback',
        (ctx, results: { n: number; host: string }[]) => {
          calls.push({ host: ctx.hostname, results: results.map((value) => value.n) });
          return results.length;
        },
        { bind: true },
      ),
    }));
    const events = await recordEvents(apps[0]!);
    await Promise.all(apps.map((app, i) => app.worker({ concurrency: 10, hostname: `chord-racer-${i}` }).start()));
    const { member, callback } = tasks[0]!;

    const result = await chord(
      range(50).map((n) => member.s(n)),
      callback.s(),
    ).applyAsync();

    expect(await result.get({ timeout: 10_000 })).toBe(50);
    await waitFor(() => events.filter((event) => event.type === 'task-succeeded').length >= 51);
    await quietWindow(200);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.results).toEqual(range(50));
    // Both workers really took part in the race.
    const memberHosts = new Set(
      events
        .filter((event) => event.type === 'task-succeeded' && event.name === 'chord.race.member')
        .map((event) => event.hostname),
    );
    expect(memberHosts).toEqual(new Set(['chord-racer-0', 'chord-racer-1']));
  });

  it('a failing member fails the chord result with a clear message naming the member; the callback never runs', async () => {
    const app = makeApp();
    let callbackRuns = 0;
    const member = app.task('chord.fail.member', (n: number) => {
      if (n === 3) throw new MemberError(`bad input ${n}`);
      return n;
    });
    const callback = app.task('chord.fail.callback', (results: number[]) => {
      callbackRuns++;
      return results.length;
    });
    await app.worker({ concurrency: 4 }).start();
    const failingId = `failing-member-${Date.now()}`;
    const members = range(6).map((n) => (n === 3 ? member.s(n).set({ taskId: failingId }) : member.s(n)));

    const result = await chord(members, callback.s()).applyAsync();
    const error = await result.get({ timeout: 5_000 }).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(TaskFailedError);
    const remote = (error as TaskFailedError).remote;
    expect(remote.name).toBe('MemberError');
    expect(remote.message).toContain('bad input 3');
    expect(remote.message).toContain('chord.fail.member');
    expect(remote.message).toContain(failingId);
    expect(await result.state()).toBe('FAILURE');
    await quietWindow(100);
    expect(callbackRuns).toBe(0);
  });

  it('when several members fail, the chord result keeps the first failure and is not rewritten', async () => {
    const app = makeApp();
    const events = await recordEvents(app);
    const member = app.task('chord.many.fail', (n: number) => {
      if (n % 2 === 1) throw new MemberError(`odd ${n}`);
      return n;
    });
    const callback = app.task('chord.many.fail.callback', (results: number[]) => results.length);
    await app.worker({ concurrency: 1 }).start();

    const result = await chord(
      range(6).map((n) => member.s(n)),
      callback.s(),
    ).applyAsync();
    await expect(result.get({ timeout: 5_000 })).rejects.toThrow(/odd 1/);
    await waitFor(() => events.filter((event) => event.type === 'task-failed').length === 3);

    expect(((await result.info()) as { message: string }).message).toMatch(/odd 1/);
  });
});
