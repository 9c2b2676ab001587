import { currentTask, TASK_LOG_MAX_LINES } from '@celeriac/core';
import { afterEach, describe, expect, it } from 'vitest';
import { closeApps, makeApp, uniqueMemoryUrl } from './helpers.ts';

afterEach(closeApps);

describe('task logs', () => {
  it('lines written with ctx.log are readable with result.logs() after the task finishes, oldest first', async () => {
    const app = makeApp();
    const job = app.task(
      'logs.basic',
      (ctx, name: string) => {
        ctx.log.info('starting the import');
        ctx.log.info({ rows: 42 }, 'parsed %s', name);
        ctx.log.warn('3 rows skipped');
        return 'ok';
      },
      { bind: true },
    );
    await app.worker({ concurrency: 1 }).start();

    const result = await job.delay('users.csv');
    await result.get({ timeout: 5_000 });
    const lines = await result.logs();

    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/INFO .*starting the import/);
    expect(lines[1]).toMatch(/INFO .*parsed/);
    expect(lines[1]).toContain('42');
    expect(lines[2]).toMatch(/WARN .*3 rows skipped/);
    // Each line starts with an ISO-8601 timestamp.
    for (const line of lines) expect(Number.isNaN(Date.parse(line.split(' ')[0] as string))).toBe(false);
  });

  it("printf-style arguments are interpolated in the kept line, as pino prints them ('%s', '%d')", async () => {
    const app = makeApp();
    const job = app.task(
      'logs.printf',
      (ctx) => {
        ctx.log.info('parsed %s in %d ms', 'users.csv', 12);
        ctx.log.info({ rows: 42 }, 'imported %d rows', 42);
        return null;
      },
      { bind: true },
    );
    await app.worker({ concurrency: 1 }).start();

    const result = await job.delay();
    await result.get({ timeout: 5_000 });
    const [first, second] = await result.logs();

    expect(first).toMatch(/INFO parsed users\.csv in 12 ms$/);
    expect(second).toContain('imported 42 rows');
    expect(second).toContain('"rows":42');
  });

  it('currentTask().log writes to the same log', async () => {
    const app = makeApp();
    const helper = () => currentTask().log.info('from a helper deep in the call stack');
    const job = app.task('logs.current', () => {
      helper();
      return null;
    });
    await app.worker({ concurrency: 1 }).start();

    const result = await job.delay();
    await result.get({ timeout: 5_000 });

    expect(await result.logs()).toEqual([expect.stringContaining('from a helper deep in the call stack')]);
  });

  it('a failing task keeps its logs too, readable from another app on the same broker', async () => {
    const url = uniqueMemoryUrl('logs-failing');
    const workerApp = makeApp({ broker: url });
    workerApp.task(
      'logs.failing',
      (ctx) => {
        ctx.log.info('about to fail');
        ctx.log.error(new Error('disk full'), 'write failed');
        throw new Error('disk full');
      },
      { bind: true },
    );
    await workerApp.worker({ concurrency: 1 }).start();
    const reader = makeApp({ broker: url });

    const result = await reader.sendTask('logs.failing', []);
    await expect(result.get({ timeout: 5_000 })).rejects.toThrow(/disk full/);
    const lines = await reader.result(result.id).logs();

    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('about to fail');
    expect(lines[1]).toMatch(/ERROR .*write failed/);
    expect(lines[1]).toContain('disk full');
  });

  it(`is bounded: writing 1,200 lines keeps the newest ${TASK_LOG_MAX_LINES}`, async () => {
    expect(TASK_LOG_MAX_LINES).toBe(1_000);
    const app = makeApp();
    const chatty = app.task(
      'logs.chatty',
      (ctx) => {
        for (let i = 0; i < 1_200; i++) ctx.log.info(`line ${i}`);
        return null;
      },
      { bind: true },
    );
    await app.worker({ concurrency: 1 }).start();

    const result = await chatty.delay();
    await result.get({ timeout: 5_000 });
    const lines = await result.logs();

    expect(lines).toHaveLength(TASK_LOG_MAX_LINES);
    expect(lines[0]).toMatch(/ line 200$/);
    expect(lines.at(-1)).toMatch(/ line 1199$/);
  });

  it('the bound also holds across retries: the attempts share one bounded log', async () => {
    const app = makeApp();
    const job = app.task(
      'logs.retry',
      (ctx) => {
        for (let i = 0; i < 600; i++) ctx.log.info(`attempt ${ctx.retries} line ${i}`);
        if (ctx.retries < 1) ctx.retry({ countdown: 0.01 });
        return 'done';
      },
      { bind: true },
    );
    await app.worker({ concurrency: 1 }).start();

    const result = await job.delay();
    expect(await result.get({ timeout: 5_000 })).toBe('done');
    const lines = await result.logs();

    expect(lines).toHaveLength(TASK_LOG_MAX_LINES);
    expect(lines[0]).toMatch(/ attempt 0 line 200$/);
    expect(lines.at(-1)).toMatch(/ attempt 1 line 599$/);
  });

  it('a task that logs nothing has no lines', async () => {
    const app = makeApp();
    const quiet = app.task('logs.none', () => 1);
    await app.worker({ concurrency: 1 }).start();

    const result = await quiet.delay();
    await result.get({ timeout: 5_000 });

    expect(await result.logs()).toEqual([]);
  });
});
