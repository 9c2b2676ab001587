import { uniqueQueue, waitFor } from '@celeriac/core/testing';
import { afterEach, expect, it } from 'vitest';
import { AmqpBroker } from '../src/index.ts';
import { adminConnection, amqpUrl, cleanupBroker, deleteNames, describeAmqp, uniquePrefix } from './helpers.ts';

describeAmqp('topology', () => {
  const brokers: AmqpBroker[] = [];
  const names: string[] = [];
  afterEach(async () => {
    for (const broker of brokers.splice(0)) {
      await broker.close();
      await cleanupBroker(broker);
    }
    await deleteNames(names.splice(0));
  });

  it('reports a queue declared elsewhere with other arguments with what to do, and keeps working', async () => {
    const broker = new AmqpBroker({ url: amqpUrl(), queuePrefix: uniquePrefix() });
    brokers.push(broker);
    await broker.connect();
    const queue = uniqueQueue('legacy');
    const name = broker.topology.queue(queue);
    names.push(name);
    // Another program declared it first, without x-max-priority.
    const connection = await adminConnection();
    await (await connection.createChannel()).assertQueue(name, { durable: true });
    await connection.close();

    const consumed = await broker.consume({ queues: [queue], prefetch: 1 }, () => undefined).catch((e: unknown) => e);
    expect(consumed).toMatchObject({ name: 'ConfigError' });
    expect((consumed as Error).message).toMatch(
      new RegExp(
        `queue ${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} exists with a different x-max-priority argument`,
      ),
    );
    expect((consumed as Error).message).toContain('use another queuePrefix');
    const published = await broker.publish([{ id: 'x', queue, body: '{}', priority: 0 }]).catch((e: unknown) => e);
    expect(published).toMatchObject({ name: 'PublishError' });
    expect((published as Error).message).toContain('exists with a different x-max-priority argument');

    // Other queues are not affected.
    const fine = uniqueQueue('fine');
    await broker.publish([{ id: 'y', queue: fine, body: '{}', priority: 0 }]);
    expect((await broker.stats(fine)).ready).toBe(1);
  });

  it('declares plain queues without priorities when maxPriority is 0', async () => {
    const broker = new AmqpBroker({ url: amqpUrl(), queuePrefix: uniquePrefix(), maxPriority: 0 });
    brokers.push(broker);
    expect(broker.capabilities.priorities).toBe(false);
    await broker.connect();
    const queue = uniqueQueue('plain');
    await broker.publish([{ id: 'low', queue, body: '{}', priority: 0 }]);
    await broker.publish([{ id: 'high', queue, body: '{}', priority: 9 }]);
    const received: string[] = [];
    await broker.consume({ queues: [queue], prefetch: 1 }, (delivery) => {
      received.push(delivery.id);
      void broker.ack(delivery);
    });
    await waitFor(() => received.length === 2);
    expect(received).toEqual(['low', 'high']);
    // A priority queue of the same name would be refused: the argument is part of the queue.
    const other = new AmqpBroker({ url: amqpUrl(), queuePrefix: broker.topology.prefix });
    brokers.push(other);
    await expect(other.publish([{ id: 'x', queue, body: '{}', priority: 0 }])).rejects.toThrow(/x-max-priority/);
  });

  it('names every queue and exchange after the prefix', () => {
    const broker = new AmqpBroker({ queuePrefix: 'app.' });
    expect(broker.topology.queuesOf('default').slice(0, 4)).toEqual([
      'app.default',
      'app.default.dlq',
      'app.default.delay.1ms',
      'app.default.delay.2ms',
    ]);
    expect(broker.topology.queuesOf('default').at(-1)).toBe('app.default.delay.2147483648ms');
    expect(broker.topology.exchanges.slice(-2)).toEqual(['app.celeriac.delay.deliver', 'app.celeriac.broadcast']);
    // 1,000 ms = 512 + 256 + 128 + 64 + 32 + 8: it enters at the 512 ms level.
    const route = broker.topology.delayRoute('default', 1000);
    expect(route.exchange).toBe('app.celeriac.delay.512ms');
    expect(route.routingKey.split('.').slice(-11, -1).join('')).toBe((1000).toString(2));
  });
});
