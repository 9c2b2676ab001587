import { chain, TaskFailedError } from '@celeriac/core';
import { afterEach, describe, expect, it } from 'vitest';
import { closeApps, makeApp, quietWindow } from './helpers.ts';

class BoomError extends Error {
  override name = 'BoomError';
}

afterEach(closeApps);

describe('chain', () => {
  it('a chain of 3 passes each result to the next as its first argument; its result is the last one', async () => {
    const app = makeApp();
    const calls: unknown[][] = [];
    const add = app.task('chain.add', (a: number, b: number) => {
      calls.push(['add', a, b]);
      return a + b;
    });
    const mul = app.task('chain.mul', (a: number, b: number) => {
      calls.push(['mul', a, b]);
      return a * b;
    });
    await app.worker({ concurrency: 4 }).start();

    const result = await chain(add.s(1, 2), add.s(10), mul.s(3)).applyAsync();

    expect(await result.get({ timeout: 5_000 })).toBe(39);
    expect(calls).toEqual([
      ['add', 1, 2],
      ['add', 3, 10],
      ['mul', 13, 3],
    ]);
  });

  it('.parent links lead from the last link back to the first, each with its own result', async () => {
    const app = makeApp();
    const add = app.task('chain.parent.add', (a: number, b: number) => a + b);
    await app.worker({ concurrency: 2 }).start();

    const last = await chain(add.s(1, 1), add.s(1), add.s(1)).applyAsync();
    expect(await last.get({ timeout: 5_000 })).toBe(4);

    const middle = last.parent;
    const first = middle?.parent;
    expect(middle).toBeDefined();
    expect(first).toBeDefined();
    expect(first?.parent).toBeUndefined();
    expect(await middle?.get({ timeout: 1_000 })).toBe(3);
    expect(await first?.get({ timeout: 1_000 })).toBe(2);
    // Stored records say who came before, and share the first link's id as root.
    const [firstRecord, middleRecord, lastRecord] = await Promise.all([
      first?.record(),
      middle?.record(),
      last.record(),
    ]);
    expect(middleRecord?.parentId).toBe(first?.id);
    expect(lastRecord?.parentId).toBe(middle?.id);
    expect(middleRecord?.rootId).toBe(first?.id);
    expect(lastRecord?.rootId).toBe(first?.id);
    expect(firstRecord?.state).toBe('SUCCESS');
  });

  it('the caller holds a handle on every link before the first one runs', async () => {
    const app = makeApp();
    const add = app.task('chain.ids.add', (a: number, b: number) => a + b);

    const last = await chain(add.s(1, 1), add.s(1)).applyAsync();
    expect(await last.state()).toBe('PENDING');
    expect(typeof last.parent?.id).toBe('string');
    expect(last.parent?.id).not.toBe(last.id);

    await app.worker({ concurrency: 1 }).start();
    expect(await last.get({ timeout: 5_000 })).toBe(3);
  });

  it('an immutable si() link ignores its parent result', async () => {
    const app = makeApp();
    const received: unknown[][] = [];
    const add = app.task('chain.si.add', (a: number, b: number) => a + b);
    const greet = app.task('chain.si.greet', (...args: string[]) => {
      received.push(args);
      return `hello ${args.join(' ')}`;
    });
    await app.worker({ concurrency: 2 }).start();

    const result = await chain(add.s(20, 22), greet.si('world'), greet.s('again')).applyAsync();

    expect(await result.get({ timeout: 5_000 })).toBe('hello hello world again');
    expect(received).toEqual([['world'], ['hello world', 'again']]);
  });

  it('a failing middle link fails the final result at once with the original error, and later links never run', async () => {
    const app = makeApp();
    let laterRuns = 0;
    const add = app.task('chain.fail.add', (a: number, b: number) => a + b);
    const boom = app.task('chain.fail.boom', (n: number): number => {
      throw new BoomError(`cannot handle ${n}`);
    });
    const later = app.task('chain.fail.later', (n: number) => {
      laterRuns++;
      return n;
    });
    await app.worker({ concurrency: 2 }).start();

    const last = await chain(add.s(1, 2), boom.s(), later.s(), later.s()).applyAsync();
    const before = Date.now();
    const error = await last.get({ timeout: 5_000 }).catch((thrown: unknown) => thrown);

    // "At once": failed by the failing link itself, not after a timeout.
    expect(Date.now() - before).toBeLessThan(2_000);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as TaskFailedError).remote.name).toBe('BoomError');
    expect((error as TaskFailedError).remote.message).toContain('cannot handle 3');
    expect(await last.state()).toBe('FAILURE');
    // The link between the failing one and the last is failed too, not left PENDING.
    expect(await last.parent?.state()).toBe('FAILURE');
    const failing = last.parent?.parent;
    expect(await failing?.state()).toBe('FAILURE');
    expect(await failing?.info()).toMatchObject({ name: 'BoomError' });
    expect(await failing?.parent?.get({ timeout: 1_000 })).toBe(3);
    await quietWindow(100);
    expect(laterRuns).toBe(0);
  });
});

describe('signatures keep their task’s own options', () => {
  it('a chain link and a link callback go to the queue their task was registered with', async () => {
    const app = makeApp();
    const first = app.task('route.first', (n: number) => n + 1, { queue: 'q-first' });
    const second = app.task('route.second', (n: number) => n * 10, { queue: 'q-second' });
    await app.worker({ queues: ['q-first', 'q-second'], concurrency: 2 }).start();
    const result = await chain(first.s(1), second.s()).applyAsync();
    expect(await result.get({ timeout: 5_000 })).toBe(20);
    expect((await result.record())?.queue).toBe('q-second');
    expect((await result.parent?.record())?.queue).toBe('q-first');
  });
});
