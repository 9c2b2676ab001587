import { randomUUID } from 'node:crypto';
import { chain } from '@celeriac/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AmqpInterop, describeInterop } from './amqp-interop.ts';
import { pythonChain } from './python.ts';

describeInterop('chains across Python and TypeScript, over RabbitMQ', () => {
  const interop = new AmqpInterop('chain');
  /** Task ids `ts.mul` ran with, and the parent it was given. */
  const ran: Array<{ id: string; parentId: string | null; rootId: string }> = [];

  beforeAll(async () => {
    await interop.pythonWorker();
    const app = interop.app();
    app.task(
      'ts.mul',
      (ctx, x: number, y: number) => {
        ran.push({ id: ctx.id, parentId: ctx.parentId, rootId: ctx.rootId });
        return x * y;
      },
      { bind: true },
    );
    await app.worker({ queues: [interop.tsQueue] }).start();
  });
  afterAll(() => interop.close());

  it('a chain that starts in Python continues in TypeScript and back: (1 + 2) × 3 + 4', async () => {
    const outcome = await pythonChain(interop.env, [
      ['tasks.add', [1, 2]],
      ['ts.mul', [3]],
      ['tasks.add', [4]],
    ]);

    expect(outcome).toMatchObject({ result: 13 });
    // Celery's ids survive the crossing: the TypeScript link ran under the id Python gave it.
    const link = ran.at(-1);
    expect(link?.parentId).toEqual(expect.any(String));
    expect(link?.rootId).not.toBe(link?.id);
  });

  it('a chain that starts in TypeScript continues in Python and back: (2 + 3) × 4 + 5, get() in TypeScript', async () => {
    const app = interop.app();
    // Stubs name the Python tasks so the chain is typed; they run on the Python worker.
    const add = app.task('tasks.add', (_x: number, _y: number): number => {
      throw new Error('tasks.add runs on the Python worker');
    });
    const mul = app.task('ts.mul', (_x: number, _y: number): number => {
      throw new Error('ts.mul runs on the Celeriac worker');
    });

    const result = await chain(add.s(2, 3), mul.s(4), add.s(5)).applyAsync();

    expect(await result.get({ timeout: 30_000 })).toBe(25);
  });

  it('a link callback set in TypeScript is applied by the Python worker and runs in TypeScript', async () => {
    const app = interop.app();
    const add = app.task('tasks.add', (_x: number, _y: number): number => {
      throw new Error('tasks.add runs on the Python worker');
    });
    const mul = app.task('ts.mul', (_x: number, _y: number): number => {
      throw new Error('ts.mul runs on the Celeriac worker');
    });
    const callbackId = randomUUID();

    const result = await add.applyAsync([2, 3], { link: mul.s(10).set({ taskId: callbackId }) });

    expect(await result.get({ timeout: 20_000 })).toBe(5);
    expect(await app.result(callbackId).get({ timeout: 20_000 })).toBe(50);
  });
});
