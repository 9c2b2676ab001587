import { describe, expect, it } from 'vitest';
import { MemoryBroker } from '../src/memory-broker.ts';
import { flushMicrotasks, message, record } from './helpers/flush.ts';

describe('MemoryBroker priorities', () => {
  it('delivers higher priorities first and keeps FIFO order within a priority', async () => {
    const broker = new MemoryBroker();
    await broker.publish([
      message('a', 'q', { priority: 0 }),
      message('b', 'q', { priority: 5 }),
      message('c', 'q', { priority: 9 }),
      message('d', 'q', { priority: 5 }),
      message('e', 'q', { priority: 0 }),
    ]);
    const { received } = await record(broker, { queues: ['q'], prefetch: 10 });
    await flushMicrotasks();
    expect(received.map((d) => d.id)).toEqual(['c', 'b', 'd', 'a', 'e']);
    expect(received[0]).toEqual({ id: 'c', queue: 'q', body: 'body-c', priority: 9, redelivered: false });
    await broker.close();
  });

  it('serves a message published later at a higher priority before older lower ones', async () => {
    const broker = new MemoryBroker();
    const { received } = await record(broker, { queues: ['q'], prefetch: 1 });
    await broker.publish([message('low-1'), message('low-2')]);
    await flushMicrotasks();
    expect(received.map((d) => d.id)).toEqual(['low-1']);
    await broker.publish([message('high', 'q', { priority: 7 })]);
    await broker.ack(received[0]!);
    await flushMicrotasks();
    expect(received.map((d) => d.id)).toEqual(['low-1', 'high']);
    await broker.close();
  });

  it('takes the highest priority across the queues of one subscription, ties by queue order', async () => {
    const broker = new MemoryBroker();
    await broker.publish([
      message('a1', 'a', { priority: 3 }),
      message('b1', 'b', { priority: 3 }),
      message('b2', 'b', { priority: 8 }),
      message('a2', 'a', { priority: 1 }),
    ]);
    const { received } = await record(broker, { queues: ['a', 'b'], prefetch: 10 });
    await flushMicrotasks();
    expect(received.map((d) => d.id)).toEqual(['b2', 'a1', 'b1', 'a2']);
    await broker.close();
  });

  it('keeps FIFO order through a large backlog', async () => {
    const broker = new MemoryBroker();
    const count = 50_000;
    await broker.publish(Array.from({ length: count }, (_, i) => message(String(i), 'q', { priority: i % 2 })));
    const { received } = await record(broker, { queues: ['q'], prefetch: Number.POSITIVE_INFINITY });
    await flushMicrotasks();
    expect(received).toHaveLength(count);
    const odd = received.slice(0, count / 2).map((d) => Number(d.id));
    const even = received.slice(count / 2).map((d) => Number(d.id));
    expect(odd.every((id, i) => id === 2 * i + 1)).toBe(true);
    expect(even.every((id, i) => id === 2 * i)).toBe(true);
    await broker.close();
  });
});
