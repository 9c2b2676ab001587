import type { Delivery } from '@celeriac/core';
import { describe, expect, it, vi } from 'vitest';
import { MemoryBroker } from '../src/memory-broker.ts';
import { flushMicrotasks, message, record } from './helpers/flush.ts';

const ids = (deliveries: Delivery[]) => deliveries.map((d) => d.id);

describe('MemoryBroker prefetch and dispatch', () => {
  it('holds at most `prefetch` unsettled deliveries, and settling frees a slot', async () => {
    const broker = new MemoryBroker();
    await broker.publish(['1', '2', '3', '4', '5'].map((id) => message(id)));
    const { received } = await record(broker, { queues: ['q'], prefetch: 2 });
    await flushMicrotasks();
    expect(ids(received)).toEqual(['1', '2']);
    expect(await broker.stats('q')).toEqual({ ready: 3, delayed: 0, unacked: 2, dead: 0 });

    await broker.ack(received[0]!);
    await flushMicrotasks();
    expect(ids(received)).toEqual(['1', '2', '3']);
    await broker.nack(received[1]!, { requeue: false });
    await broker.deadLetter(received[2]!, 'bad');
    await flushMicrotasks();
    expect(ids(received)).toEqual(['1', '2', '3', '4', '5']);
    await broker.close();
  });

  it('shares one prefetch budget across the queues of a subscription', async () => {
    const broker = new MemoryBroker();
    await broker.publish([message('a1', 'a'), message('a2', 'a'), message('b1', 'b'), message('b2', 'b')]);
    const { received } = await record(broker, { queues: ['a', 'b'], prefetch: 3 });
    await flushMicrotasks();
    expect(ids(received)).toEqual(['a1', 'a2', 'b1']);
    await broker.close();
  });

  it('hands messages round-robin to the subscriptions of one queue', async () => {
    const broker = new MemoryBroker();
    const first = await record(broker, { queues: ['q'], prefetch: 10 });
    const second = await record(broker, { queues: ['q'], prefetch: 10 });
    const third = await record(broker, { queues: ['other'], prefetch: 10 });
    await broker.publish(['1', '2', '3', '4', '5', '6'].map((id) => message(id)));
    await flushMicrotasks();
    expect(ids(first.received)).toEqual(['1', '3', '5']);
    expect(ids(second.received)).toEqual(['2', '4', '6']);
    expect(third.received).toEqual([]);

    // One message at a time still alternates between drains.
    await broker.publish([message('7')]);
    await flushMicrotasks();
    await broker.publish([message('8')]);
    await flushMicrotasks();
    expect(ids(first.received)).toEqual(['1', '3', '5', '7']);
    expect(ids(second.received)).toEqual(['2', '4', '6', '8']);
    await broker.close();
  });

  it('never calls onDelivery synchronously inside publish or ack', async () => {
    const broker = new MemoryBroker();
    let inside = false;
    const seen: boolean[] = [];
    const held: Delivery[] = [];
    await broker.consume({ queues: ['q'], prefetch: 1 }, (delivery) => {
      seen.push(inside);
      held.push(delivery);
    });
    inside = true;
    void broker.publish([message('1'), message('2')]);
    inside = false;
    await flushMicrotasks();
    inside = true;
    void broker.ack(held[0]!);
    inside = false;
    await flushMicrotasks();
    expect(seen).toEqual([false, false]);
    await broker.close();
  });

  it('lets onDelivery settle synchronously and keeps delivering', async () => {
    const broker = new MemoryBroker();
    const seen: string[] = [];
    await broker.consume({ queues: ['q'], prefetch: 1 }, (delivery) => {
      seen.push(delivery.id);
      void broker.ack(delivery);
    });
    await broker.publish(Array.from({ length: 100 }, (_, i) => message(String(i))));
    await flushMicrotasks();
    expect(seen).toHaveLength(100);
    expect(await broker.stats('q')).toEqual({ ready: 0, delayed: 0, unacked: 0, dead: 0 });
    await broker.close();
  });

  it('reports an onDelivery that throws and keeps delivering', async () => {
    const onListenerError = vi.fn();
    const broker = new MemoryBroker({ onListenerError });
    const seen: string[] = [];
    await broker.consume({ queues: ['q'], prefetch: 5 }, (delivery) => {
      seen.push(delivery.id);
      if (delivery.id === '1') throw new Error('boom');
    });
    await broker.publish([message('1'), message('2')]);
    await flushMicrotasks();
    expect(seen).toEqual(['1', '2']);
    expect(onListenerError).toHaveBeenCalledOnce();
    expect(onListenerError.mock.calls[0]![0]).toBeInstanceOf(Error);
    expect(onListenerError.mock.calls[0]![1]).toContain('"q"');
    // The thrown-on delivery is still held, and settle-able.
    expect((await broker.stats('q')).unacked).toBe(2);
    await broker.close();
  });
});
