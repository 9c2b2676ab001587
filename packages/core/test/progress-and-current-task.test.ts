import { currentTask, type TaskContext, type TaskProgressEvent } from '@celeriac/core';
import { afterEach, describe, expect, it } from 'vitest';
import { closeApps, deferred, makeApp, recordEvents, waitFor } from './helpers.ts';

afterEach(closeApps);

describe('progress reporting', () => {
  it('ctx.progress(50, meta) is visible to info() and as a task-progress event while the task waits', async () => {
    const app = makeApp();
    const events = await recordEvents(app);
    const reported = deferred();
    const gate = deferred();
    const convert = app.task(
      'documents.convert',
      async (ctx, _uploadId: string) => {
        await ctx.progress(50, { stage: 'x' });
        reported.resolve();
        await gate.promise;
        return 'converted';
      },
      { bind: true },
    );
    await app.worker({ concurrency: 1 }).start();
    const result = await convert.delay('upload-1');

    await reported.promise;
    expect(await result.state()).toBe('PROGRESS');
    expect(await result.info()).toEqual({ percent: 50, stage: 'x' });
    const progress = (await waitFor(() =>
      events.find((event) => event.type === 'task-progress' && event.taskId === result.id),
    )) as TaskProgressEvent;
    expect(progress).toMatchObject({
      type: 'task-progress',
      taskId: result.id,
      name: 'documents.convert',
      state: 'PROGRESS',
      meta: { percent: 50, stage: 'x' },
    });
    expect(await result.ready()).toBe(false);

    gate.resolve();
    expect(await result.get({ timeout: 5_000 })).toBe('converted');
    expect(await result.info()).toBe('converted');
  });

  it('app.events.on("task-progress") receives the progress of every step in order', async () => {
    const app = makeApp();
    const percents: number[] = [];
    app.events.on('task-progress', (event) => {
      percents.push((event.meta as { percent: number }).percent);
    });
    await app.events.ready();
    const steps = app.task(
      'steps',
      async (ctx) => {
        for (const percent of [10, 40, 100]) await ctx.progress(percent);
        return null;
      },
      { bind: true },
    );
    await app.worker({ concurrency: 1 }).start();

    await (await steps.delay()).get({ timeout: 5_000 });

    await waitFor(() => percents.length === 3);
    expect(percents).toEqual([10, 40, 100]);
  });

  it('ctx.updateState(state, meta) stores that state with its meta', async () => {
    const app = makeApp();
    const updated = deferred();
    const gate = deferred();
    const importer = app.task(
      'importer',
      async (ctx) => {
        await ctx.updateState('PROGRESS', { rows: 120, of: 1_000 });
        updated.resolve();
        await gate.promise;
        return 1_000;
      },
      { bind: true },
    );
    await app.worker({ concurrency: 1 }).start();
    const result = await importer.delay();

    await updated.promise;
    expect(await result.state()).toBe('PROGRESS');
    expect(await result.info()).toEqual({ rows: 120, of: 1_000 });

    gate.resolve();
    expect(await result.get({ timeout: 5_000 })).toBe(1_000);
  });

  it('ctx.progress rejects a percent outside 0–100', async () => {
    const app = makeApp();
    const bad = app.task(
      'bad.progress',
      async (ctx) => {
        const errors: string[] = [];
        for (const percent of [-1, 101, Number.NaN]) {
          await ctx.progress(percent).catch((error: unknown) => errors.push((error as Error).name));
        }
        return errors;
      },
      { bind: true },
    );
    await app.worker({ concurrency: 1 }).start();

    expect(await (await bad.delay()).get({ timeout: 5_000 })).toEqual(['RangeError', 'RangeError', 'RangeError']);
  });
});

describe('currentTask()', () => {
  it('returns the same ctx inside nested async functions of a bound task', async () => {
    const app = makeApp();
    async function deepHelper(): Promise<TaskContext> {
      await Promise.resolve();
      await new Promise((resolve) => setTimeout(resolve, 1));
      return currentTask();
    }
    const nested = app.task(
      'nested',
      async (ctx, label: string) => {
        const fromHelper = await deepHelper();
        const fromCallback = await new Promise<TaskContext>((resolve) => setImmediate(() => resolve(currentTask())));
        return { same: fromHelper === ctx && fromCallback === ctx, id: fromHelper.id === ctx.id, label };
      },
      { bind: true },
    );
    await app.worker({ concurrency: 1 }).start();

    expect(await (await nested.delay('a')).get({ timeout: 5_000 })).toEqual({ same: true, id: true, label: 'a' });
  });

  it('works in an unbound handler and tells concurrent tasks apart', async () => {
    const app = makeApp();
    const bothStarted = deferred();
    let started = 0;
    const whoAmI = app.task('who.am.i', async (tag: string) => {
      if (++started === 2) bothStarted.resolve();
      await bothStarted.promise;
      const ctx = currentTask();
      return { id: ctx.id, name: ctx.name, args: ctx.args, tag };
    });
    await app.worker({ concurrency: 2 }).start();

    const first = await whoAmI.delay('one');
    const second = await whoAmI.delay('two');

    expect(await first.get({ timeout: 5_000 })).toEqual({ id: first.id, name: 'who.am.i', args: ['one'], tag: 'one' });
    expect(await second.get({ timeout: 5_000 })).toEqual({
      id: second.id,
      name: 'who.am.i',
      args: ['two'],
      tag: 'two',
    });
  });

  it('throws outside of a task', () => {
    expect(() => currentTask()).toThrow(/outside of a running task/);
  });
});
