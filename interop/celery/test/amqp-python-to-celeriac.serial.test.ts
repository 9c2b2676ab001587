import type { Json } from '@celeriac/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AmqpInterop, describeInterop } from './amqp-interop.ts';
import { pythonSend } from './python.ts';

class QuotaExceeded extends Error {
  override name = 'QuotaExceeded';
}

describeInterop('Python Celery client → Celeriac worker, over RabbitMQ', () => {
  const interop = new AmqpInterop('from-py');
  /** When `ts.stamp` ran, by task id. */
  const stamps = new Map<string, number>();

  beforeAll(async () => {
    const app = interop.app();
    app.task('ts.add', (x: number, y: number) => x + y);
    app.task('ts.fail', (message: string): never => {
      throw new TypeError(message);
    });
    app.task('ts.quota', (): never => {
      throw new QuotaExceeded('monthly quota of 100 documents reached');
    });
    app.task('ts.kwargs', (ctx, ...args: Json[]) => ({ args, kwargs: ctx.kwargs }), { bind: true });
    app.task(
      'ts.stamp',
      (ctx) => {
        stamps.set(ctx.id, Date.now());
        return ctx.id;
      },
      { bind: true },
    );
    await app.worker({ queues: [interop.tsQueue] }).start();
  });
  afterAll(() => interop.close());

  it("send_task('ts.add', [2, 3]) runs on the Celeriac worker and Python's get() returns 5", async () => {
    const outcome = await pythonSend(interop.env, 'ts.add', [2, 3]);

    expect(outcome).toMatchObject({ result: 5 });
  });

  it('an Error thrown in TypeScript reaches Python as an exception with its message', async () => {
    const outcome = await pythonSend(interop.env, 'ts.fail', ['bad input: 42']);

    // A builtin's name is raised as that builtin, so `except TypeError` works.
    expect(outcome).toMatchObject({ error_type: 'TypeError', error_message: 'bad input: 42' });
  });

  it('an error class of our own reaches Python under its name, with its message', async () => {
    const outcome = await pythonSend(interop.env, 'ts.quota', []);

    expect(outcome).toMatchObject({
      error_type: 'QuotaExceeded',
      error_message: 'monthly quota of 100 documents reached',
    });
  });

  it('kwargs sent by Python reach the handler as ctx.kwargs', async () => {
    const outcome = await pythonSend(interop.env, 'ts.kwargs', [1, 'a'], { user: 'ada', retries: 2 });

    expect(outcome).toMatchObject({ result: { args: [1, 'a'], kwargs: { user: 'ada', retries: 2 } } });
  });

  it('a countdown set in Python is honoured by the Celeriac worker: not before its time', async () => {
    const sentAfter = Date.now();

    const outcome = await pythonSend(interop.env, 'ts.stamp', [], {}, 3);

    // Python computes the eta after this process started it: at least sentAfter + 3 s.
    const ranAt = stamps.get(outcome.result as string);
    expect(ranAt).toBeGreaterThanOrEqual(sentAfter + 3000);
  });
});
