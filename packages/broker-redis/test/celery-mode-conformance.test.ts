import { describeBackendConformance, describeBrokerConformance } from '@celeriac/core/testing';
import { beforeEach } from 'vitest';
import { CeleryRedisBackend, KombuRedisBroker } from '../src/index.ts';
import { deleteKeys, describeRedis, redisUrl, uniquePrefix } from './helpers.ts';

describeRedis('redis, Celery mode', () => {
  // kombu's keys have fixed names (`unacked`, `_kombu.binding.*`): a kombu global key prefix per
  // test keeps tests apart, as kombu's `global_keyprefix` does.
  let globalKeyPrefix = uniquePrefix();
  beforeEach(() => {
    globalKeyPrefix = uniquePrefix();
  });

  describeBrokerConformance({
    name: 'redis celery-mode (kombu layout)',
    // A 1 s visibility timeout, as the lease test asks; workers renew every third of it.
    create: () => new KombuRedisBroker({ url: redisUrl(), globalKeyPrefix, visibilityTimeout: 1 }),
    cleanup: (broker) => deleteKeys((broker as KombuRedisBroker).keys.globalPrefix),
  });

  // Celery's result keys have no prefix; the suite's task ids (`task-…`) are its own.
  describeBackendConformance({
    name: 'redis celery-mode backend',
    create: () => new CeleryRedisBackend({ url: redisUrl(), prefix: globalKeyPrefix }),
    cleanup: async () => {
      await deleteKeys(globalKeyPrefix);
      await deleteKeys('celery-task-meta-task-');
    },
  });
});
