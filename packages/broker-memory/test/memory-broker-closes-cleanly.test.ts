import { BrokerConnectionError, PublishError } from '@celeriac/core';
import { describe, expect, it } from 'vitest';
import { MemoryBroker } from '../src/memory-broker.ts';
import { flushMicrotasks, message, record } from './helpers/flush.ts';

describe('MemoryBroker closing', () => {
  it('Subscription.close stops new deliveries; held deliveries stay settle-able', async () => {
    const broker = new MemoryBroker();
    await broker.publish([message('1'), message('2'), message('3')]);
    const { received, subscription } = await record(broker, { queues: ['q'], prefetch: 2 });
    await flushMicrotasks();
    await subscription.close();
    await subscription.close();
    await broker.ack(received[0]!);
    await broker.nack(received[1]!, { requeue: false });
    await flushMicrotasks();
    expect(received.map((d) => d.id)).toEqual(['1', '2']);
    expect(await broker.stats('q')).toEqual({ ready: 1, delayed: 0, unacked: 0, dead: 1 });

    const next = await record(broker, { queues: ['q'], prefetch: 2 });
    await flushMicrotasks();
    expect(next.received.map((d) => d.id)).toEqual(['3']);
    await broker.close();
  });

  it('a nack after Subscription.close hands the message to another subscription', async () => {
    const broker = new MemoryBroker();
    await broker.publish([message('1')]);
    const first = await record(broker, { queues: ['q'], prefetch: 1 });
    await flushMicrotasks();
    await first.subscription.close();
    const second = await record(broker, { queues: ['q'], prefetch: 1 });
    await broker.nack(first.received[0]!);
    await flushMicrotasks();
    expect(first.received).toHaveLength(1);
    expect(second.received).toEqual([{ id: '1', queue: 'q', body: 'body-1', priority: 0, redelivered: true }]);
    await broker.close();
  });

  it('close returns every unsettled delivery to its queue, in order, marked redelivered', async () => {
    const broker = new MemoryBroker();
    await broker.publish([message('1'), message('2', 'q', { priority: 3 }), message('3'), message('4')]);
    const { received } = await record(broker, { queues: ['q'], prefetch: 3 });
    await flushMicrotasks();
    expect(received.map((d) => d.id)).toEqual(['2', '1', '3']);
    await broker.close();
    expect(await broker.stats('q')).toEqual({ ready: 4, delayed: 0, unacked: 0, dead: 0 });

    // Settling after the broker closed is a no-op: the message is back in the queue.
    await broker.ack(received[0]!);
    expect((await broker.stats('q')).ready).toBe(4);

    await broker.connect();
    const after = await record(broker, { queues: ['q'], prefetch: 10 });
    await flushMicrotasks();
    expect(after.received.map((d) => [d.id, d.redelivered])).toEqual([
      ['2', true],
      ['1', true],
      ['3', true],
      ['4', false],
    ]);
    await broker.close();
  });

  it('close stops every subscription and broadcast listener', async () => {
    const broker = new MemoryBroker();
    const { received } = await record(broker, { queues: ['q'], prefetch: 1 });
    const heard: unknown[] = [];
    await broker.subscribeBroadcast('events', (m) => heard.push(m));
    void broker.broadcast('events', { n: 1 });
    void broker.close();
    await broker.connect();
    await broker.publish([message('1')]);
    await broker.broadcast('events', { n: 2 });
    await flushMicrotasks();
    expect(received).toEqual([]);
    expect(heard).toEqual([]);
    await broker.close();
  });

  it('rejects publish, broadcast, consume and subscribe after close', async () => {
    const broker = new MemoryBroker();
    await broker.connect();
    await broker.connect();
    await broker.close();
    await broker.close();
    await expect(broker.publish([message('1')])).rejects.toBeInstanceOf(PublishError);
    await expect(broker.broadcast('c', null)).rejects.toBeInstanceOf(PublishError);
    await expect(broker.consume({ queues: ['q'], prefetch: 1 }, () => {})).rejects.toBeInstanceOf(
      BrokerConnectionError,
    );
    await expect(broker.subscribeBroadcast('c', () => {})).rejects.toBeInstanceOf(BrokerConnectionError);
    expect((await broker.stats('q')).ready).toBe(0);
  });

  it('a subscription closed inside onDelivery receives nothing more', async () => {
    const broker = new MemoryBroker();
    await broker.publish([message('1'), message('2'), message('3')]);
    const seen: string[] = [];
    const subscription = await broker.consume({ queues: ['q'], prefetch: 10 }, (delivery) => {
      seen.push(delivery.id);
      void subscription.close();
    });
    await flushMicrotasks();
    expect(seen).toEqual(['1']);
    expect(await broker.stats('q')).toMatchObject({ ready: 2, unacked: 1 });
    await broker.close();
  });
});
