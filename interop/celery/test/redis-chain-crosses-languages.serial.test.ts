import { chain } from '@celeriac/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CeleryWorker, celeryMissing, pythonChain, startCeleryWorker, uniqueQueue } from './python.ts';
import { celeryModeApp, flushInteropDb, redisCeleryEnv, redisMissing } from './redis-env.ts';

const skip = celeryMissing || redisMissing;

describe.skipIf(skip !== '')(
  `chains across Python and TypeScript, over Redis${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    // The Python worker takes `tasks.*` from its queue; the Celeriac worker takes `ts.*` from its own;
    // each side routes the other's tasks there (tasks.py reads CELERY_TS_QUEUE).
    const pyQueue = uniqueQueue('chain-py');
    const tsQueue = uniqueQueue('chain-ts');
    const env = redisCeleryEnv(pyQueue, { CELERY_TS_QUEUE: tsQueue });
    const ran: Array<{ id: string; parentId: string | null; rootId: string }> = [];
    let worker: CeleryWorker | undefined;
    const app = celeryModeApp({ defaultQueue: tsQueue, routes: { 'tasks.*': { queue: pyQueue } } });
    const mul = app.task(
      'ts.mul',
      (ctx, x: number, y: number) => {
        ran.push({ id: ctx.id, parentId: ctx.parentId, rootId: ctx.rootId });
        return x * y;
      },
      { bind: true },
    );
    // A stub names the Python task so a chain is typed; it runs on the Python worker.
    const add = app.task('tasks.add', (_x: number, _y: number): number => {
      throw new Error('tasks.add runs on the Python worker');
    });

    beforeAll(async () => {
      await flushInteropDb();
      worker = await startCeleryWorker(env);
      await app.worker({ queues: [tsQueue] }).start();
    });
    afterAll(async () => {
      await app.close();
      await worker?.stop();
    });

    it('a chain that starts in Python continues in TypeScript and back: (1 + 2) × 3 + 4', async () => {
      const outcome = await pythonChain(env, [
        ['tasks.add', [1, 2]],
        ['ts.mul', [3]],
        ['tasks.add', [4]],
      ]);
      expect(outcome).toMatchObject({ result: 13 });
      // Celery's ids survive the crossing: the TypeScript link ran under the ids Python gave it.
      const link = ran.at(-1);
      expect(link?.parentId).toEqual(expect.any(String));
      expect(link?.rootId).not.toBe(link?.id);
    });

    it('a chain that starts in TypeScript continues in Python and back: (2 + 3) × 4 + 5', async () => {
      const result = await chain(add.s(2, 3), mul.s(4), add.s(5)).applyAsync();
      expect(await result.get({ timeout: 30_000 })).toBe(25);
    });
  },
);
