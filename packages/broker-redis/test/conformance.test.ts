import { describeBackendConformance, describeBrokerConformance } from '@celeriac/core/testing';
import { beforeEach } from 'vitest';
import { RedisBackend, RedisBroker } from '../src/index.ts';
import { deleteKeys, describeRedis, redisUrl, uniquePrefix } from './helpers.ts';

describeRedis('redis', () => {
  // A fresh prefix per test, shared by the brokers of one test: they must meet, as processes do.
  let prefix = uniquePrefix();
  beforeEach(() => {
    prefix = uniquePrefix();
  });

  describeBrokerConformance({
    name: 'redis',
    // A 1 s lease, as the lease test asks; workers renew every third of it.
    create: () => new RedisBroker({ url: redisUrl(), prefix, visibilityTimeout: 1 }),
    cleanup: (broker) => deleteKeys((broker as RedisBroker).keys.prefix),
  });

  describeBackendConformance({
    name: 'redis',
    create: () => new RedisBackend({ url: redisUrl(), prefix }),
    cleanup: (backend) => deleteKeys((backend as RedisBackend).keys.prefix),
  });
});
