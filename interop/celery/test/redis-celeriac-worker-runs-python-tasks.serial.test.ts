import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { celeryMissing, pythonSend, uniqueQueue } from './python.ts';
import { celeryModeApp, flushInteropDb, redisCeleryEnv, redisMissing } from './redis-env.ts';

const skip = celeryMissing || redisMissing;

class InvoiceError extends Error {
  override name = 'InvoiceError';
}

describe.skipIf(skip !== '')(
  `a Python Celery client sends, a Celeriac worker runs (Redis)${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    const apps: { close(): Promise<void> }[] = [];
    beforeEach(flushInteropDb);
    afterEach(async () => {
      await Promise.all(apps.splice(0).map((app) => app.close()));
    });

    async function setup() {
      const queue = uniqueQueue('ts');
      const app = celeryModeApp({ defaultQueue: queue });
      apps.push(app);
      const runs: { at: number; eta: string | null }[] = [];
      app.task('ts.add', (x: number, y: number) => x + y);
      app.task('ts.echo', (ctx, ...args: unknown[]) => ({ args, kwargs: ctx.kwargs }) as never, { bind: true });
      app.task('ts.fail', (message: string) => {
        throw new InvoiceError(message);
      });
      app.task(
        'ts.now',
        (ctx) => {
          runs.push({ at: Date.now(), eta: typeof ctx.headers.eta === 'string' ? ctx.headers.eta : null });
          return Date.now() / 1000;
        },
        { bind: true },
      );
      await app.worker({ queues: [queue], concurrency: 2 }).start();
      return { app, env: redisCeleryEnv(queue), runs };
    }

    it("runs send_task('ts.add', [2, 3]) and Python's AsyncResult.get() returns 5", async () => {
      const { env } = await setup();
      expect(await pythonSend(env, 'ts.add', [2, 3])).toMatchObject({ result: 5 });
    });

    it('hands Python kwargs to the handler (ctx.kwargs)', async () => {
      const { env } = await setup();
      const outcome = await pythonSend(env, 'ts.echo', ['a', 1], { b: [2, 3], c: null });
      expect(outcome.result).toEqual({ args: ['a', 1], kwargs: { b: [2, 3], c: null } });
    });

    it('raises an Error thrown in TypeScript in Python, with its message', async () => {
      const { env } = await setup();
      const outcome = await pythonSend(env, 'ts.fail', ['invoice 7 is already paid']);
      expect(outcome).toMatchObject({ error_type: 'InvoiceError', error_message: 'invoice 7 is already paid' });
    });

    it('honours a countdown set in Python: the Celeriac worker does not run it before its time', async () => {
      const { env, runs } = await setup();
      const sentAt = Date.now();
      const outcome = await pythonSend(env, 'ts.now', [], {}, 2);
      expect(typeof outcome.result).toBe('number');
      expect(runs).toHaveLength(1);
      // The eta Python computed (its send time + 2 s), as the handler saw it; run at or after it.
      const eta = Date.parse(runs[0]!.eta ?? '');
      expect(eta).toBeGreaterThanOrEqual(sentAt + 2000);
      expect(runs[0]!.at).toBeGreaterThanOrEqual(eta);
    });
  },
);
