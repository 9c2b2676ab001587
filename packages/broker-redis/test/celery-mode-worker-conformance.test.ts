import { Celeriac } from '@celeriac/core';
import { describeWorkerConformance } from '@celeriac/core/testing';
import { pino } from 'pino';
import { beforeEach } from 'vitest';
import { CeleryRedisBackend, KombuRedisBroker } from '../src/index.ts';
import { deleteKeys, describeRedis, redisUrl, uniquePrefix } from './helpers.ts';

// A real app and worker on kombu's layout and Celery's result keys: every message crosses
// toCeleryWire / fromCeleryWire and every result recordToCelery / recordFromCelery.
describeRedis('redis, Celery mode', () => {
  let globalKeyPrefix = uniquePrefix();
  let opened: { close(): Promise<void> }[] = [];
  beforeEach(() => {
    globalKeyPrefix = uniquePrefix();
  });

  describeWorkerConformance({
    name: 'redis celery-mode',
    createApp: () => {
      const broker = new KombuRedisBroker({ url: redisUrl(), globalKeyPrefix, visibilityTimeout: 30 });
      const backend = new CeleryRedisBackend({ url: redisUrl(), prefix: globalKeyPrefix });
      opened.push(broker, backend);
      return new Celeriac({ broker, backend, logger: pino({ level: 'silent' }) });
    },
    cleanup: async () => {
      const closing = opened;
      opened = [];
      await Promise.all(closing.map((connection) => connection.close()));
      await deleteKeys(globalKeyPrefix);
    },
  });
});
