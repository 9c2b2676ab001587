/**
 * `@celeriac/broker-redis/testing`: which Redis tests use, and the keys they leave. Loads without
 * vitest; the vitest-specific part (`describe`) is passed in by the caller.
 */
export type { FindRedisOptions, RedisUnderTest, SkippableDescribe } from './redis-under-test.ts';
export { DEFAULT_TEST_REDIS_URL, findRedisUnderTest, redisAnswers } from './redis-under-test.ts';
export { deleteKeysUnder, uniqueTestPrefix } from './test-keys.ts';
