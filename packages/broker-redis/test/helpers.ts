import { randomBytes } from 'node:crypto';
import { maskUrl } from '@celeriac/core';
import { Redis } from 'ioredis';
import { describe } from 'vitest';

/**
 * The Redis the tests run against: `REDIS_URL`, else redis://127.0.0.1:6379. When nothing answers
 * there: under `CI=true` the run fails; otherwise a Redis container is started with testcontainers
 * when it is installed and Docker works; otherwise the Redis tests are skipped, loudly.
 */
const configured = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

async function answers(url: string): Promise<boolean> {
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

async function startContainer(): Promise<{ url?: string; reason: string }> {
  let module: { GenericContainer: new (image: string) => ContainerBuilder };
  try {
    const specifier = 'testcontainers';
    module = (await import(specifier)) as typeof module;
  } catch {
    return { reason: 'testcontainers is not installed' };
  }
  try {
    const container = await new module.GenericContainer('redis:7-alpine').withExposedPorts(6379).start();
    return { url: `redis://${container.getHost()}:${container.getMappedPort(6379)}`, reason: '' };
  } catch (error) {
    return { reason: `testcontainers could not start Redis (${(error as Error).message})` };
  }
}

interface ContainerBuilder {
  withExposedPorts(port: number): ContainerBuilder;
  start(): Promise<{ getHost(): string; getMappedPort(port: number): number }>;
}

async function resolveRedis(): Promise<{ url: string | undefined; reason: string }> {
  if (await answers(configured)) return { url: configured, reason: '' };
  const nothing = `no Redis answers at ${maskUrl(configured)}`;
  if (process.env.CI === 'true') {
    throw new Error(`${nothing}, and CI=true: start Redis or set REDIS_URL; Redis tests must not be skipped in CI.`);
  }
  const container = await startContainer();
  if (container.url !== undefined) return { url: container.url, reason: '' };
  const reason = `${nothing} and ${container.reason}`;
  console.warn(`\n⚠ @celeriac/broker-redis: skipping the Redis tests: ${reason}. Set REDIS_URL to run them.\n`);
  return { url: undefined, reason };
}

const redis = await resolveRedis();

/** The URL of the Redis under test (only call it inside `describeRedis`). */
export function redisUrl(): string {
  if (redis.url === undefined) throw new Error(`No Redis for tests: ${redis.reason}`);
  return redis.url;
}

/** `describe` that is skipped, with the reason in its title, when no Redis is available. */
export function describeRedis(name: string, body: () => void): void {
  describe.skipIf(redis.url === undefined)(redis.url === undefined ? `${name} (skipped: ${redis.reason})` : name, body);
}

/** A key prefix no other test uses. */
export function uniquePrefix(): string {
  return `celeriac-test:${randomBytes(6).toString('hex')}:`;
}

/** A plain client for a test to inspect or write Redis directly; quit it after the test. */
export function adminClient(): Redis {
  return new Redis(redisUrl(), { maxRetriesPerRequest: 1 });
}

/** Delete every key under `prefix` (SCAN + UNLINK). */
export async function deleteKeys(prefix: string): Promise<void> {
  const client = adminClient();
  try {
    const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await client.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}
