import { randomBytes } from 'node:crypto';
import { RedisBackend } from '@celeriac/broker-redis';
import { Celeriac } from '@celeriac/core';
import { describeWorkerConformance } from '@celeriac/core/testing';
import { pino } from 'pino';
import { beforeEach } from 'vitest';
import { AmqpBroker } from '../src/index.ts';
import { amqpUrl, cleanupBroker, describeAmqp, redisUrl, uniquePrefix } from './helpers.ts';

describeAmqp('amqp', () => {
  // Fresh prefixes per test, shared by the apps of one test: they must meet, as processes do.
  let queuePrefix = uniquePrefix();
  let resultPrefix = '';
  let brokers: AmqpBroker[] = [];
  let backends: RedisBackend[] = [];
  beforeEach(() => {
    queuePrefix = uniquePrefix();
    resultPrefix = `celeriac-test-${randomBytes(5).toString('hex')}:`;
  });

  describeWorkerConformance({
    name: 'amqp',
    // A queue's first declaration takes ~100–250 ms on RabbitMQ.
    timeScale: 2,
    createApp: () => {
      const broker = new AmqpBroker({ url: amqpUrl(), queuePrefix });
      const backend = new RedisBackend({ url: redisUrl(), prefix: resultPrefix });
      brokers.push(broker);
      backends.push(backend);
      return new Celeriac({ broker, backend, logger: pino({ level: 'silent' }) });
    },
    cleanup: async () => {
      const [closingBrokers, closingBackends] = [brokers, backends];
      brokers = [];
      backends = [];
      await Promise.all([...closingBrokers, ...closingBackends].map((connection) => connection.close()));
      for (const broker of closingBrokers) await cleanupBroker(broker);
    },
  });
});
