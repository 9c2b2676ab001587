import { maskUrl } from '@celeriac/core';
import { Redis } from 'ioredis';
import { startRedisContainer } from './service-container.ts';

/** Where tests look for Redis when `REDIS_URL` is not set. */
export const DEFAULT_TEST_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * vitest's `describe`, or anything shaped like it. Taken as a parameter so this module loads
 * where vitest is not installed (the bench).
 */
export interface SkippableDescribe {
  skipIf(condition: boolean): (name: string, body: () => void) => unknown;
}

/** The Redis a test run uses, or why it has none. */
export interface RedisUnderTest {
  /** Whether a Redis answered (or was started in a container). */
  readonly available: boolean;
  /** Why there is no Redis ('' when `available`). */
  readonly missing: string;
  /** The Redis URL; throws, saying why, when none is available (call it inside Redis tests only). */
  url(): string;
  /** A plain client for a test to inspect or write Redis directly; the caller disconnects it. */
  client(): Redis;
  /**
   * `describe` for suites that need Redis: skipped, with the reason in the title, when none is
   * available, so a skip is never silent. Pass vitest's `describe`.
   */
  describeWhenAvailable(describe: SkippableDescribe): (name: string, body: () => void) => void;
}

/** Options of {@link findRedisUnderTest}. */
export interface FindRedisOptions {
  /** Who is asking, named in the warning printed when the Redis tests are skipped (e.g. the package). */
  label: string;
  /** Where `REDIS_URL` and `CI` are read. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/** Whether a Redis answers PING at `url` within about a second (no retries). */
export async function redisAnswers(url: string): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/**
 * Find the Redis tests run against: `REDIS_URL`, else {@link DEFAULT_TEST_REDIS_URL}. When nothing
 * answers there: under `CI=true` this rejects (Redis tests must not be skipped in CI); otherwise a
 * Redis container is started when testcontainers is installed and Docker works; otherwise the
 * result is unavailable and a warning naming `label` and the reason is printed.
 */
export async function findRedisUnderTest(options: FindRedisOptions): Promise<RedisUnderTest> {
  const env = options.env ?? process.env;
  const configured = env.REDIS_URL ?? DEFAULT_TEST_REDIS_URL;
  if (await redisAnswers(configured)) return redisAt(configured);
  const nothing = `no Redis answers at ${maskUrl(configured)}`;
  if (env.CI === 'true') {
    throw new Error(`${nothing}, and CI=true: start Redis or set REDIS_URL; Redis tests must not be skipped in CI.`);
  }
  const container = await startRedisContainer();
  if (container.url !== undefined) return redisAt(container.url);
  const reason = `${nothing} and ${container.reason}`;
  console.warn(`\n⚠ ${options.label}: skipping the Redis tests: ${reason}. Set REDIS_URL to run them.\n`);
  return noRedis(reason);
}

function redisAt(url: string): RedisUnderTest {
  return {
    available: true,
    missing: '',
    url: () => url,
    client: () => new Redis(url, { maxRetriesPerRequest: 1 }),
    describeWhenAvailable: (describe) => (name, body) => void describe.skipIf(false)(name, body),
  };
}

function noRedis(reason: string): RedisUnderTest {
  const fail = (): never => {
    throw new Error(`No Redis for tests: ${reason}`);
  };
  return {
    available: false,
    missing: reason,
    url: fail,
    client: fail,
    describeWhenAvailable: (describe) => (name, body) =>
      void describe.skipIf(true)(`${name} (skipped: ${reason})`, body),
  };
}
