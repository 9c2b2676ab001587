import { randomBytes } from 'node:crypto';
import { RedisBackend } from '@celeriac/broker-redis';
import { Celeriac } from '@celeriac/core';
import { describeWorkerConformance } from '@celeriac/core/testing';
import { pino } from 'pino';
import { beforeEach } from 'vitest';
import { AmqpBroker } from '../src/index.ts';
import { adminConnection, amqpUrl, cleanupBroker, describeAmqp, redisUrl, uniquePrefix } from './helpers.ts';

/** Celery's layout gives each task queue a direct exchange of the same name: delete those too. */
async function deleteQueueExchanges(broker: AmqpBroker): Promise<void> {
  const names = [...broker.declared].filter((name) => !/\.(dlq|delay\.\d+ms)$|celeriac\./.test(name));
  const connection = await adminConnection();
  try {
    const channel = await connection.createChannel();
    for (const name of names) await channel.deleteExchange(name);
  } finally {
    await connection.close();
  }
}

// The whole worker suite with every message in Celery's protocol 2 on Celery's queue layout: what a
// team gets when it turns `protocol: 'celery'` on before any Python is involved (results stay
// Celeriac's here; interop/celery tests them against Python).
describeAmqp('amqp, protocol celery', () => {
  let queuePrefix = uniquePrefix();
  let resultPrefix = '';
  let brokers: AmqpBroker[] = [];
  let backends: RedisBackend[] = [];
  beforeEach(() => {
    queuePrefix = uniquePrefix();
    resultPrefix = `celeriac-test-${randomBytes(5).toString('hex')}:`;
  });

  describeWorkerConformance({
    name: 'amqp (celery protocol)',
    timeScale: 2,
    createApp: () => {
      // As with Celery's task_queue_max_priority = 10 (the suite checks priorities).
      const broker = new AmqpBroker({ url: amqpUrl(), queuePrefix, protocol: 'celery', maxPriority: 10 });
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
      for (const broker of closingBrokers) {
        await cleanupBroker(broker);
        await deleteQueueExchanges(broker);
      }
    },
  });
});
