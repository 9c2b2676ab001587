import { randomBytes } from 'node:crypto';
import { maskUrl } from '@celeriac/core';
import { Redis } from 'ioredis';
import { describe } from 'vitest';

/**
 * The Redis the tests run against: `REDIS_URL`, else redis://127.0.0.1:6379. When nothing answers:
 * under `CI=true` the run fails; elsewhere the Redis tests are skipped with the reason in their
 * title and a warning (never silently). Same rules as @celeriac/broker-redis's tests.
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

const available = await answers(configured);
const reason = `no Redis answers at ${maskUrl(configured)}`;
if (!available) {
  if (process.env.CI === 'true') throw new Error(`${reason}, and CI=true: start Redis or set REDIS_URL.`);
  console.warn(`\n⚠ @celeriac/monitor-http: skipping the Redis tests: ${reason}. Set REDIS_URL to run them.\n`);
}

export function redisUrl(): string {
  return configured;
}

/** `describe` that is skipped, with the reason in its title, when no Redis answers. */
export function describeRedis(name: string, body: () => void): void {
  describe.skipIf(!available)(available ? name : `${name} (skipped: ${reason})`, body);
}

/** A key prefix no other test uses. */
export function uniquePrefix(): string {
  return `celeriac-monitor-test:${randomBytes(6).toString('hex')}:`;
}

/** Delete every key under `prefix` (SCAN + UNLINK). */
export async function deleteKeys(prefix: string): Promise<void> {
  const client = new Redis(configured, { maxRetriesPerRequest: 1 });
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
