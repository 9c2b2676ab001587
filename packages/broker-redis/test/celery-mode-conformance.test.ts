import { describeBackendConformance } from '@celeriac/core/testing';
import { CeleryRedisBackend } from '../src/index.ts';
import { deleteKeys, describeRedis, redisUrl, uniquePrefix } from './helpers.ts';

describeRedis('redis, Celery mode', () => {
  // Celery's result keys have no prefix; the suite's task ids (`task-…`) are its own.
  const prefix = uniquePrefix();
  describeBackendConformance({
    name: 'redis celery-mode backend',
    create: () => new CeleryRedisBackend({ url: redisUrl(), prefix }),
    cleanup: async () => {
      await deleteKeys(prefix);
      await deleteKeys('celery-task-meta-task-');
    },
  });
});
