import { deleteKeysUnder, findRedisUnderTest, uniqueTestPrefix } from '@celeriac/broker-redis/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { adminClient, describeRedis, redisUrl } from './helpers.ts';

describe('@celeriac/broker-redis/testing without a Redis', () => {
  it('fails under CI=true instead of skipping, naming the URL without its password', async () => {
    // Port 1 refuses at once; CI=true must fail before any container is tried.
    const env = { REDIS_URL: 'redis://:hunter2@127.0.0.1:1', CI: 'true' };
    const found = findRedisUnderTest({ label: 'test', env });
    await expect(found).rejects.toThrow(/no Redis answers at redis:\/\/:\*\*\*\*@127\.0\.0\.1:1, and CI=true/);
    await expect(found).rejects.not.toThrow(/hunter2/);
  });
});

describeRedis('@celeriac/broker-redis/testing with a Redis', () => {
  const admin = adminClient();
  afterAll(() => admin.disconnect());

  it('finds the Redis at REDIS_URL and hands out clients on it', async () => {
    const redis = await findRedisUnderTest({ label: 'test', env: { REDIS_URL: redisUrl() } });
    expect(redis.available).toBe(true);
    expect(redis.url()).toBe(redisUrl());
    const client = redis.client();
    expect(await client.ping()).toBe('PONG');
    client.disconnect();
  });

  it('deletes the keys under a prefix, matching glob characters in it literally', async () => {
    const prefix = `${uniqueTestPrefix('celeriac-test-keys')}a*`;
    const sibling = `${prefix.slice(0, -2)}ab:kept`;
    await admin.mset(`${prefix}one`, '1', `${prefix}two`, '2', sibling, '3');
    await deleteKeysUnder(redisUrl(), prefix);
    expect(await admin.exists(`${prefix}one`, `${prefix}two`)).toBe(0);
    expect(await admin.get(sibling)).toBe('3');
    await admin.del(sibling);
  });
});
