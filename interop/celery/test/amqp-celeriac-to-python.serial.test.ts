import { type Json, TaskFailedError } from '@celeriac/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AmqpInterop, describeInterop } from './amqp-interop.ts';

describeInterop('Celeriac producer → Python Celery worker, over RabbitMQ', () => {
  // One Python worker for the file (it takes a second or two to start); the queues are this file's own.
  const interop = new AmqpInterop('to-py');
  beforeAll(() => interop.pythonWorker());
  afterAll(() => interop.close());

  it("runs tasks.add sent by Celeriac, and Celeriac's AsyncResult.get() returns its result", async () => {
    const app = interop.app();

    const result = await app.sendTask<number>('tasks.add', [2, 3]);

    expect(await result.get({ timeout: 20_000 })).toBe(5);
    expect(await result.state()).toBe('SUCCESS');
  });

  it('a typed stub of the Python task sends to it like any task', async () => {
    const app = interop.app();
    const mul = app.task('tasks.mul', (_x: number, _y: number): number => {
      throw new Error('tasks.mul runs on the Python worker');
    });

    expect(await (await mul.delay(6, 7)).get({ timeout: 20_000 })).toBe(42);
  });

  it('keyword arguments arrive as Python kwargs, from applyAsync and sendTask', async () => {
    const app = interop.app();
    const echo = app.task('tasks.echo', (..._args: Json[]): Json => {
      throw new Error('tasks.echo runs on the Python worker');
    });

    const applied = await echo.applyAsync([1, 'two'], { kwargs: { name: 'celeriac', n: 3 } });
    const sent = await app.sendTask('tasks.echo', [], { kwargs: { nested: { list: [1, null] } } });

    expect(await applied.get({ timeout: 20_000 })).toEqual({ args: [1, 'two'], kwargs: { name: 'celeriac', n: 3 } });
    expect(await sent.get({ timeout: 20_000 })).toEqual({ args: [], kwargs: { nested: { list: [1, null] } } });
  });

  it("a Python exception reaches Celeriac's get() with its type and message", async () => {
    const app = interop.app();

    const result = await app.sendTask('tasks.fail', ['boom from Python']);

    const error = await result.get({ timeout: 20_000 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as TaskFailedError).remote).toMatchObject({ name: 'ValueError', message: 'boom from Python' });
    expect(await result.state()).toBe('FAILURE');
  });

  it('a countdown set in TypeScript is honoured by the Python worker: not before its time', async () => {
    const app = interop.app();
    const sentAt = Date.now();

    const result = await app.sendTask<number>('tasks.now', [], { countdown: 2.5 });
    const ranAt = (await result.get({ timeout: 20_000 })) * 1000;

    // The eta is at least sentAt + 2.5 s; Python's clock is this machine's.
    expect(ranAt).toBeGreaterThanOrEqual(sentAt + 2500);
    expect(ranAt).toBeLessThan(sentAt + 10_000);
  });
});

describeInterop('a Celery worker on queues Celeriac declared', () => {
  const interop = new AmqpInterop('declared');
  afterAll(() => interop.close());

  it('starts on a queue Celeriac declared first (same arguments, no PRECONDITION_FAILED) and runs what waits there', async () => {
    const app = interop.app();
    const result = await app.sendTask<number>('tasks.add', [20, 22]);

    const worker = await interop.pythonWorker();

    expect(await result.get({ timeout: 20_000 })).toBe(42);
    expect(worker.output()).not.toMatch(/PRECONDITION_FAILED|inequivalent arg/);
  });
});
