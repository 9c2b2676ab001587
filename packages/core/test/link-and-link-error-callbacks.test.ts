import { afterEach, describe, expect, it } from 'vitest';
import { closeApps, deferred, makeApp, quietWindow, waitFor } from './helpers.ts';

afterEach(closeApps);

describe('link and linkError callbacks', () => {
  it('link runs after success with the result prepended to its own arguments', async () => {
    const app = makeApp();
    const got = deferred<unknown[]>();
    const add = app.task('link.add', (a: number, b: number) => a + b);
    const record = app.task('link.record', (...args: unknown[]) => {
      got.resolve(args);
      return null;
    });
    await app.worker({ concurrency: 2 }).start();

    const result = await add.applyAsync([2, 3], { link: record.s('note') });

    expect(await result.get({ timeout: 5_000 })).toBe(5);
    expect(await got.promise).toEqual([5, 'note']);
  });

  it('several links all run; an immutable one gets only its own arguments', async () => {
    const app = makeApp();
    const seen: unknown[][] = [];
    const square = app.task('link.square', (n: number) => n * n);
    const record = app.task('link.many.record', (...args: unknown[]) => {
      seen.push(args);
      return null;
    });
    await app.worker({ concurrency: 2 }).start();

    await (await square.applyAsync([4], { link: [record.s('a'), record.si('fixed')] })).get({ timeout: 5_000 });

    await waitFor(() => seen.length === 2, { message: 'both links to run' });
    expect(seen).toContainEqual([16, 'a']);
    expect(seen).toContainEqual(['fixed']);
  });

  it("linkError runs after a failure with the failed task's id; link does not run", async () => {
    const app = makeApp();
    const errback = deferred<unknown[]>();
    let linkRuns = 0;
    const boom = app.task('link.boom', (): number => {
      throw new Error('exploded');
    });
    const onSuccess = app.task('link.on.success', () => {
      linkRuns++;
      return null;
    });
    const onError = app.task('link.on.error', (...args: unknown[]) => {
      errback.resolve(args);
      return null;
    });
    await app.worker({ concurrency: 2 }).start();

    const result = await boom.applyAsync([], { link: onSuccess.s(), linkError: onError.s() });

    await expect(result.get({ timeout: 5_000 })).rejects.toThrow(/exploded/);
    const [failedId] = await errback.promise;
    expect(failedId).toBe(result.id);
    // The errback can read the failure through the id it received.
    expect(await app.result(failedId as string).state()).toBe('FAILURE');
    await quietWindow(100);
    expect(linkRuns).toBe(0);
  });

  it('linkError does not run when the task succeeds', async () => {
    const app = makeApp();
    let errbackRuns = 0;
    const ok = app.task('link.ok', () => 'fine');
    const onError = app.task('link.ok.error', () => {
      errbackRuns++;
      return null;
    });
    const after = deferred<unknown>();
    const onSuccess = app.task('link.ok.success', (value: string) => {
      after.resolve(value);
      return null;
    });
    await app.worker({ concurrency: 2 }).start();

    await (await ok.applyAsync([], { link: onSuccess.s(), linkError: onError.s() })).get({ timeout: 5_000 });

    expect(await after.promise).toBe('fine');
    await quietWindow(100);
    expect(errbackRuns).toBe(0);
  });

  it('a link callback records the task it follows as its parent', async () => {
    const app = makeApp();
    const parent = deferred<{ id: string; parentId: string | null }>();
    const first = app.task('link.parent.first', () => 1);
    const follow = app.task(
      'link.parent.follow',
      (ctx, _value: number) => {
        parent.resolve({ id: ctx.id, parentId: ctx.parentId });
        return null;
      },
      { bind: true },
    );
    await app.worker({ concurrency: 2 }).start();

    const result = await first.applyAsync([], { link: follow.s() });
    await result.get({ timeout: 5_000 });

    expect((await parent.promise).parentId).toBe(result.id);
  });
});
