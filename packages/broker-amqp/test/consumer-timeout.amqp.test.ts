import { collectDeliveries, uniqueQueue, waitFor } from '@celeriac/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { AmqpBroker } from '../src/index.ts';
import { amqpUrl, cleanupBroker, describeAmqp, isLocalRabbit, rabbitmqctl, uniquePrefix } from './helpers.ts';

const setConsumerTimeout = (ms: number): Promise<string> =>
  rabbitmqctl('eval', `application:set_env(rabbit, consumer_timeout, ${ms}).`);

describeAmqp('consumer_timeout', () => {
  // Lowers the server-wide consumer_timeout for a moment. RabbitMQ checks it once a minute, so
  // this test takes about a minute.
  describe.skipIf(!isLocalRabbit())('(local server, rabbitmqctl)', () => {
    const brokers: AmqpBroker[] = [];
    afterEach(async () => {
      await setConsumerTimeout(1_800_000);
      for (const broker of brokers.splice(0)) {
        await broker.close();
        await cleanupBroker(broker);
      }
    });

    it('explains a channel closed for an unacknowledged delivery, then consumes again', {
      timeout: 150_000,
    }, async () => {
      const reported: { error: Error; source: string }[] = [];
      await setConsumerTimeout(1000);
      const broker = new AmqpBroker({
        url: amqpUrl(),
        queuePrefix: uniquePrefix(),
        onError: (error, source) => reported.push({ error, source }),
      });
      brokers.push(broker);
      await broker.connect();
      const queue = uniqueQueue('long');
      await broker.publish([{ id: 'long-task', queue, body: '{}', priority: 0 }]);
      const collector = await collectDeliveries(broker, { queues: [queue], prefetch: 1 });
      const [held] = await collector.waitForCount(1, { timeout: 5000 });
      await setConsumerTimeout(1_800_000);

      await waitFor(() => reported.some((r) => r.source === 'consumer_timeout'), { timeout: 120_000, interval: 100 });
      const { error } = reported.find((r) => r.source === 'consumer_timeout')!;
      expect(error.message).toContain(queue);
      expect(error.message).toMatch(/unacknowledged longer than its consumer_timeout \(1000 ms\)/);
      expect(error.message).toMatch(/will run again/);
      expect(error.message).toContain('consumer_timeout = ');
      expect(error.message).toContain('x-consumer-timeout');

      // The held delivery is void now (RabbitMQ requeued it): acking it is a harmless no-op, and the
      // subscription, on a new channel, gets the message again.
      await collector.ack(held!);
      const [, again] = await collector.waitForCount(2, { timeout: 10_000 });
      expect(again).toMatchObject({ id: 'long-task', redelivered: true });
      await collector.ack(again!);
      await waitFor(async () => (await broker.stats(queue)).ready === 0 && (await broker.stats(queue)).unacked === 0);
    });
  });
});
