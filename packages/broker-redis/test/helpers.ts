import { deleteKeysUnder, findRedisUnderTest, uniqueTestPrefix } from '@celeriac/broker-redis/testing';
import type { Redis } from 'ioredis';
import { describe } from 'vitest';

/** This package's Redis tests: the rules of `findRedisUnderTest` (REDIS_URL, CI, testcontainers). */
const redis = await findRedisUnderTest({ label: '@celeriac/broker-redis' });

/** The URL of the Redis under test (only call it inside `describeRedis`). */
export function redisUrl(): string {
  return redis.url();
}

/** `describe` that is skipped, with the reason in its title, when no Redis is available. */
export const describeRedis: (name: string, body: () => void) => void = redis.describeWhenAvailable(describe);

/** A key prefix no other test uses. */
export function uniquePrefix(): string {
  return uniqueTestPrefix();
}

/** A plain client for a test to inspect or write Redis directly; quit it after the test. */
export function adminClient(): Redis {
  return redis.client();
}

/** Delete every key under `prefix`. */
export function deleteKeys(prefix: string): Promise<void> {
  return deleteKeysUnder(redis.url(), prefix);
}
