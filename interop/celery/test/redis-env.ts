import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Celeriac, type CeleriacOptions } from '@celeriac/core';
import { Redis } from 'ioredis';
import { type CeleryEnv, PYTHON } from './python.ts';

const run = promisify(execFile);
const PYTHON_FIXTURES = fileURLToPath(new URL('./python/', import.meta.url));

/**
 * The Redis the Redis interop tests share with Python: database 11 of `REDIS_URL` (else a local
 * Redis), all theirs. kombu's keys have fixed names (`unacked`, `_kombu.binding.*`, the `celery`
 * queue), so each test starts from an empty database instead of a prefix of its own.
 */
const base = (process.env.REDIS_URL ?? 'redis://127.0.0.1:6379').replace(/\/\d*$/, '');
export const INTEROP_REDIS_URL = `${base}/11`;

async function probeRedis(): Promise<string> {
  const client = new Redis(INTEROP_REDIS_URL, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return '';
  } catch (error) {
    const reason = `no Redis at ${INTEROP_REDIS_URL} (${(error as Error).message})`;
    if (process.env.CI === 'true') throw new Error(`${reason}, and CI=true: start Redis or set REDIS_URL.`);
    console.warn(`\n⚠ interop-celery: skipping the Redis tests: ${reason}\n`);
    return reason;
  } finally {
    client.disconnect();
  }
}

/** Empty when Redis answers; otherwise why the Redis interop tests skip. */
export const redisMissing: string = await probeRedis();

/** A plain client on the interop database, for a test to look at or write kombu's keys. */
export function redisClient(): Redis {
  return new Redis(INTEROP_REDIS_URL, { maxRetriesPerRequest: 1 });
}

/** FLUSHDB the interop database: kombu's fixed names must not carry over between tests. */
export async function flushInteropDb(): Promise<void> {
  const client = redisClient();
  try {
    await client.flushdb();
  } finally {
    client.disconnect();
  }
}

/** What the Python side connects to for `queue` (broker and results on the interop database). */
export function redisCeleryEnv(queue: string, extra?: Record<string, string>): CeleryEnv {
  return { brokerUrl: INTEROP_REDIS_URL, backendUrl: INTEROP_REDIS_URL, queue, ...(extra ? { extra } : {}) };
}

/** A Celeriac app speaking Celery's protocol on the interop database, as a migrating team runs it. */
export function celeryModeApp(options: Partial<CeleriacOptions> = {}): Celeriac {
  // Quiet unless asked (the app's own pino logger reads CELERIAC_LOG_LEVEL).
  process.env.CELERIAC_LOG_LEVEL ??= 'silent';
  return new Celeriac({ broker: INTEROP_REDIS_URL, backend: INTEROP_REDIS_URL, protocol: 'celery', ...options });
}

/** Run Python statements with the Celery app of tasks.py imported as `app` (no result waited for). */
export async function runPython(env: CeleryEnv, code: string): Promise<string> {
  const { stdout } = await run(PYTHON, ['-c', `from tasks import app\n${code}`], {
    cwd: PYTHON_FIXTURES,
    env: {
      ...process.env,
      CELERY_BROKER_URL: env.brokerUrl,
      CELERY_RESULT_BACKEND: env.backendUrl,
      CELERY_QUEUE: env.queue,
      PYTHONPATH: PYTHON_FIXTURES,
      ...env.extra,
    },
    timeout: 60_000,
  });
  return stdout;
}
