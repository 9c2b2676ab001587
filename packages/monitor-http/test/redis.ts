import { deleteKeysUnder, findRedisUnderTest, uniqueTestPrefix } from '@celeriac/broker-redis/testing';
import { describe } from 'vitest';

/** The monitor's Redis tests follow @celeriac/broker-redis's rules (REDIS_URL, CI, testcontainers). */
const redis = await findRedisUnderTest({ label: '@celeriac/monitor-http' });

export function redisUrl(): string {
  return redis.url();
}

/** `describe` that is skipped, with the reason in its title, when no Redis is available. */
export const describeRedis: (name: string, body: () => void) => void = redis.describeWhenAvailable(describe);

/** A key prefix no other test uses. */
export function uniquePrefix(): string {
  return uniqueTestPrefix('celeriac-monitor-test');
}

/** Delete every key under `prefix`. */
export function deleteKeys(prefix: string): Promise<void> {
  return deleteKeysUnder(redis.url(), prefix);
}
