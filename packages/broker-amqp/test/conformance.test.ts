import { describeBrokerConformance } from '@celeriac/core/testing';
import { beforeEach } from 'vitest';
import { AmqpBroker } from '../src/index.ts';
import { amqpUrl, cleanupBroker, describeAmqp, uniquePrefix } from './helpers.ts';

describeAmqp('amqp', () => {
  // A fresh prefix per test, shared by the brokers of one test: they must meet, as processes do.
  let queuePrefix = uniquePrefix();
  beforeEach(() => {
    queuePrefix = uniquePrefix();
  });

  describeBrokerConformance({
    name: 'amqp',
    create: () => new AmqpBroker({ url: amqpUrl(), queuePrefix }),
    cleanup: (broker) => cleanupBroker(broker as AmqpBroker),
  });
});
