import { TaskFailedError } from '@celeriac/core';
import { afterEach, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { type CeleryWorker, celeryMissing, startCeleryWorker, uniqueQueue } from './python.ts';
import { celeryModeApp, flushInteropDb, redisCeleryEnv, redisMissing } from './redis-env.ts';

const skip = celeryMissing || redisMissing;

describe.skipIf(skip !== '')(
  `Celeriac sends, a Python Celery worker runs (Redis)${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let worker: CeleryWorker | undefined;
    const apps: { close(): Promise<void> }[] = [];
    beforeEach(flushInteropDb);
    afterEach(async () => {
      await Promise.all(apps.splice(0).map((app) => app.close()));
      await worker?.stop();
      worker = undefined;
    });

    async function setup() {
      const queue = uniqueQueue('py');
      worker = await startCeleryWorker(redisCeleryEnv(queue));
      const started = worker;
      onTestFailed(() => console.log(`Celery worker output:\n${started.output()}`));
      const app = celeryModeApp({ defaultQueue: queue });
      apps.push(app);
      return { app, queue };
    }

    it('runs tasks.add and Celeriac AsyncResult.get() returns its result', async () => {
      const { app } = await setup();
      const result = await app.sendTask('tasks.add', [2, 3]);
      expect(await result.get({ timeout: 20_000 })).toBe(5);
      expect(await result.state()).toBe('SUCCESS');
    });

    it('passes kwargs to the Python task', async () => {
      const { app } = await setup();
      const result = await app.sendTask('tasks.echo', [1, 'two'], { kwargs: { three: 3, nested: { ok: true } } });
      expect(await result.get({ timeout: 20_000 })).toEqual({
        args: [1, 'two'],
        kwargs: { three: 3, nested: { ok: true } },
      });
    });

    it('rejects get() with the Python exception name and message', async () => {
      const { app } = await setup();
      const result = await app.sendTask('tasks.fail', ['no such invoice']);
      const error = await result.get({ timeout: 20_000 }).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(TaskFailedError);
      expect((error as TaskFailedError).remote).toMatchObject({ name: 'ValueError', message: 'no such invoice' });
      expect((error as TaskFailedError).remote.stack).toContain('Traceback');
    });

    it('honours a countdown set in TypeScript: the Python worker does not run it before its time', async () => {
      const { app } = await setup();
      const sentAt = Date.now();
      const result = await app.sendTask('tasks.now', [], { countdown: 2 });
      const ranAt = (await result.get({ timeout: 20_000 })) as number;
      expect(ranAt * 1000).toBeGreaterThanOrEqual(sentAt + 2000);
      expect(ranAt * 1000).toBeLessThan(sentAt + 8000);
    });
  },
);
