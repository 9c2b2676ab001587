import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CeleryRedisBackend, KombuRedisBroker } from '@celeriac/broker-redis';
import { Celeriac } from '@celeriac/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { celeryMissing, uniqueQueue } from './python.ts';
import { flushInteropDb, INTEROP_REDIS_URL, redisClient, redisMissing } from './redis-env.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/redis-celeriac-worker.mjs', import.meta.url));
const BUILT = ['../../../packages/core/dist/index.js', '../../../packages/broker-redis/dist/index.js'].every((path) =>
  existsSync(fileURLToPath(new URL(path, import.meta.url))),
);
const skip = celeryMissing || redisMissing || (BUILT ? '' : 'the packages are not built (npm run build)');

/** The visibility timeout of both workers, seconds: short, so the restore comes soon. */
const VISIBILITY_TIMEOUT = 2;

describe.skipIf(skip !== '')(
  `a Celeriac worker killed mid-task, over Redis${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    const closing: (() => Promise<unknown>)[] = [];
    beforeEach(flushInteropDb);
    afterEach(async () => {
      for (const close of closing.splice(0).reverse()) await close();
    });

    /** A Celery-mode app with the short visibility timeout (adapters built here to set it). */
    function app(queue: string): Celeriac {
      const broker = new KombuRedisBroker({ url: INTEROP_REDIS_URL, visibilityTimeout: VISIBILITY_TIMEOUT });
      const backend = new CeleryRedisBackend({ url: INTEROP_REDIS_URL });
      const created = new Celeriac({ broker, backend, protocol: 'celery', defaultQueue: queue });
      closing.push(
        () => broker.close(),
        () => backend.close(),
        () => created.close(),
      );
      return created;
    }

    it("has its message restored by kombu's visibility timeout and run by another worker", async () => {
      const queue = uniqueQueue('crash');
      const child = spawn(process.execPath, [FIXTURE], {
        env: {
          ...process.env,
          INTEROP_REDIS_URL,
          INTEROP_QUEUE: queue,
          INTEROP_VISIBILITY_TIMEOUT: String(VISIBILITY_TIMEOUT),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      closing.push(async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      const waitFor = (text: string) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`child never printed ${text}:\n${output}`)), 20_000);
          const check = (): void => {
            if (output.includes(text)) {
              clearTimeout(timer);
              resolve();
            }
          };
          child.stdout.on('data', check);
          check();
        });
      await waitFor('"ready"');

      const producer = app(queue);
      const result = await producer.sendTask('ts.hang', ['invoice-7']);
      await waitFor(`"started":"${result.id}"`);

      // While it runs, kombu's bookkeeping holds it: one entry in `unacked`, none left in the list.
      const redis = redisClient();
      closing.push(async () => redis.disconnect());
      expect(await redis.hlen('unacked')).toBe(1);
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;

      // Another worker: its restore sweep finds the dead worker's delivery older than the visibility
      // timeout and puts it back (marked redelivered), as kombu's restore_visible does.
      const rescuer = app(queue);
      const runs: { redelivered: boolean; at: number }[] = [];
      rescuer.task(
        'ts.hang',
        (ctx, invoice: string) => {
          runs.push({ redelivered: ctx.redelivered, at: Date.now() });
          return `settled ${invoice}`;
        },
        { bind: true },
      );
      const killedAt = Date.now();
      await rescuer.worker({ queues: [queue] }).start();
      expect(await rescuer.result(result.id).get({ timeout: 20_000 })).toBe('settled invoice-7');
      expect(runs).toEqual([{ redelivered: true, at: expect.any(Number) }]);
      expect(runs[0]!.at - killedAt).toBeLessThan(15_000);
      expect(await redis.hlen('unacked')).toBe(0);
    });
  },
);
