import { Celeriac } from '@celeriac/core';
import { describeWorkerConformance } from '@celeriac/core/testing';
import { pino } from 'pino';
import { beforeEach } from 'vitest';
import { RedisBackend, RedisBroker } from '../src/index.ts';
import { deleteKeys, describeRedis, redisUrl, uniquePrefix } from './helpers.ts';

describeRedis('redis', () => {
  // A fresh prefix per test, shared by the apps of one test: they must meet, as processes do.
  let prefix = uniquePrefix();
  let opened: { close(): Promise<void> }[] = [];
  beforeEach(() => {
    prefix = uniquePrefix();
  });

  describeWorkerConformance({
    name: 'redis',
    createApp: () => {
      const broker = new RedisBroker({ url: redisUrl(), prefix });
      const backend = new RedisBackend({ url: redisUrl(), prefix });
      opened.push(broker, backend);
      return new Celeriac({ broker, backend, logger: pino({ level: 'silent' }) });
    },
    cleanup: async () => {
      const closing = opened;
      opened = [];
      await Promise.all(closing.map((connection) => connection.close()));
      await deleteKeys(prefix);
    },
  });
});
