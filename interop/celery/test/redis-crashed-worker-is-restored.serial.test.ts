import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CeleryRedisBackend, KombuRedisBroker } from '@celeriac/broker-redis';
import { Celeriac } from '@celeriac/core';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { celeryMissing, startCeleryWorker, uniqueQueue } from './python.ts';
import { flushInteropDb, INTEROP_REDIS_URL, redisCeleryEnv, redisClient, redisMissing } from './redis-env.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/redis-celeriac-worker.mjs', import.meta.url));
const BUILT = ['../../../packages/core/dist/index.js', '../../../packages/broker-redis/dist/index.js'].every((path) =>
  existsSync(fileURLToPath(new URL(path, import.meta.url))),
);
const skip = celeryMissing || redisMissing || (BUILT ? '' : 'the packages are not built (npm run build)');

/** kombu's visibility timeout on every side of these tests, seconds: short, so restores come soon. */
const VISIBILITY_TIMEOUT = 2;

/** Resolves once every entry of kombu's `unacked_index` is older than the visibility timeout. */
async function untilRestorable(redis: Redis): Promise<void> {
  await expect
    .poll(
      async () => {
        const newest = await redis.zrevrange('unacked_index', 0, 0, 'WITHSCORES');
        return newest.length === 2 && Number(newest[1]) * 1000 < Date.now() - VISIBILITY_TIMEOUT * 1000 - 100;
      },
      { timeout: 10_000, interval: 100 },
    )
    .toBe(true);
}

describe.skipIf(skip !== '')(`a worker killed mid-task, over Redis${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const closing: (() => Promise<unknown>)[] = [];
  let redis: Redis;
  beforeEach(async () => {
    await flushInteropDb();
    redis = redisClient();
  });
  afterEach(async () => {
    for (const close of closing.splice(0).reverse()) await close();
    redis.disconnect();
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

  /** A Celeriac worker in a child process whose one task, `task`, never ends; resolves once it consumes. */
  async function childWorker(queue: string, task: string) {
    const child = spawn(process.execPath, [FIXTURE], {
      env: {
        ...process.env,
        INTEROP_REDIS_URL,
        INTEROP_QUEUE: queue,
        INTEROP_VISIBILITY_TIMEOUT: String(VISIBILITY_TIMEOUT),
        INTEROP_TASK: task,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    closing.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    });
    let output = '';
    const printed = (text: string) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`child never printed ${text}:\n${output}`)), 20_000);
        const check = (): void => {
          if (output.includes(text)) {
            clearTimeout(timer);
            resolve();
          }
        };
        child.stdout.on('data', check);
        child.stderr.on('data', check);
        check();
      });
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    await printed('"ready"');
    return {
      started: (taskId: string) => printed(`"started":"${taskId}"`),
      kill: async () => {
        child.kill('SIGKILL');
        await exited;
      },
    };
  }

  it("a Celeriac worker's message is restored by another Celeriac worker's sweep, and run there", async () => {
    const queue = uniqueQueue('crash');
    const child = await childWorker(queue, 'ts.hang');
    const producer = app(queue);
    const result = await producer.sendTask('ts.hang', ['invoice-7']);
    await child.started(result.id);
    // While it runs, kombu's bookkeeping holds it: one entry in `unacked`, none left in the list.
    expect(await redis.hlen('unacked')).toBe(1);
    expect(await redis.llen(queue)).toBe(0);
    await child.kill();

    const rescuer = app(queue);
    const runs: boolean[] = [];
    rescuer.task(
      'ts.hang',
      (ctx, invoice: string) => {
        runs.push(ctx.redelivered);
        return `settled ${invoice}`;
      },
      { bind: true },
    );
    await rescuer.worker({ queues: [queue] }).start();
    expect(await rescuer.result(result.id).get({ timeout: 20_000 })).toBe('settled invoice-7');
    expect(runs).toEqual([true]);
    // Acknowledged after the result is stored (acks late, on both sides).
    await expect.poll(() => redis.hlen('unacked')).toBe(0);
  });

  it("a Celeriac worker's message is restored by kombu in a Python worker, and run there", async () => {
    const queue = uniqueQueue('crash-py');
    const child = await childWorker(queue, 'tasks.sleep');
    const producer = app(queue);
    const result = await producer.sendTask('tasks.sleep', [0]);
    await child.started(result.id);
    await child.kill();
    await untilRestorable(redis);
    // kombu restores on its first poll (QoS.restore_visible from on_poll_init), then every 10th idle poll.
    const worker = await startCeleryWorker(
      redisCeleryEnv(queue, { CELERY_VISIBILITY_TIMEOUT: String(VISIBILITY_TIMEOUT) }),
    );
    closing.push(() => worker.stop());
    expect(await producer.result(result.id).get({ timeout: 30_000 })).toBe(0);
    // Acknowledged after the result is stored (acks late, on both sides).
    await expect.poll(() => redis.hlen('unacked')).toBe(0);
  });

  it("a Python worker's message is restored by a Celeriac worker's sweep, and run there", async () => {
    const queue = uniqueQueue('crash-ts');
    const env = redisCeleryEnv(queue, { CELERY_VISIBILITY_TIMEOUT: String(3600) });
    const worker = await startCeleryWorker(env);
    closing.push(() => worker.stop());
    const producer = app(queue);
    const result = await producer.sendTask('tasks.sleep', [600]);
    await expect.poll(() => worker.output(), { timeout: 20_000 }).toContain(`tasks.sleep[${result.id}] received`);
    expect(await redis.hlen('unacked')).toBe(1);
    await worker.kill();
    await untilRestorable(redis);

    const rescuer = app(queue);
    const runs: { seconds: number; redelivered: boolean }[] = [];
    rescuer.task(
      'tasks.sleep',
      (ctx, seconds: number) => {
        runs.push({ seconds, redelivered: ctx.redelivered });
        return 0;
      },
      { bind: true },
    );
    await rescuer.worker({ queues: [queue] }).start();
    expect(await rescuer.result(result.id).get({ timeout: 20_000 })).toBe(0);
    expect(runs).toEqual([{ seconds: 600, redelivered: true }]);
    // Acknowledged after the result is stored (acks late, on both sides).
    await expect.poll(() => redis.hlen('unacked')).toBe(0);
  });
});
