/**
 * `@celeriac/broker-redis/testing`: which Redis tests use, and the keys they leave; a throwaway
 * server in a container for suites of other services too. Loads without vitest; the
 * vitest-specific part (`describe`) is passed in by the caller.
 */
export type { FindRedisOptions, RedisUnderTest, SkippableDescribe } from './redis-under-test.ts';
export { DEFAULT_TEST_REDIS_URL, findRedisUnderTest, redisAnswers } from './redis-under-test.ts';
export type { ContainerOutcome, ServiceContainer } from './service-container.ts';
export { startServiceContainer } from './service-container.ts';
export { deleteKeysUnder, uniqueTestPrefix } from './test-keys.ts';
