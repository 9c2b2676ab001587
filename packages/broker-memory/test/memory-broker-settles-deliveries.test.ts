import { describe, expect, it } from 'vitest';
import { MemoryBroker } from '../src/memory-broker.ts';
import { flushMicrotasks, message, record } from './helpers/flush.ts';

describe('MemoryBroker settling', () => {
  it('ack removes the message for good', async () => {
    const broker = new MemoryBroker();
    await broker.publish([message('1')]);
    const { received } = await record(broker, { queues: ['q'], prefetch: 1 });
    await flushMicrotasks();
    await broker.ack(received[0]!);
    await flushMicrotasks();
    expect(received).toHaveLength(1);
    expect(await broker.stats('q')).toEqual({ ready: 0, delayed: 0, unacked: 0, dead: 0 });
    await broker.close();
  });

  it('nack requeues at the front of its priority level and marks it redelivered', async () => {
    const broker = new MemoryBroker();
    await broker.publish([message('1', 'q', { priority: 4 }), message('2', 'q', { priority: 4 })]);
    const { received } = await record(broker, { queues: ['q'], prefetch: 1 });
    await flushMicrotasks();
    expect(received[0]).toMatchObject({ id: '1', redelivered: false });
    await broker.nack(received[0]!);
    await flushMicrotasks();
    expect(received).toHaveLength(2);
    expect(received[1]).toEqual({ id: '1', queue: 'q', body: 'body-1', priority: 4, redelivered: true });
    await broker.ack(received[1]!);
    await flushMicrotasks();
    expect(received[2]).toMatchObject({ id: '2', redelivered: false });
    await broker.close();
  });

  it('hands the decoded payload over on the first delivery only; a redelivery is decoded from its body', async () => {
    const broker = new MemoryBroker();
    const payload = { decoded: true };
    await broker.publish([{ ...message('1'), payload }]);
    const { received } = await record(broker, { queues: ['q'], prefetch: 1 });
    await flushMicrotasks();
    expect(received[0]!.payload).toBe(payload);
    await broker.nack(received[0]!);
    await flushMicrotasks();
    expect(received[1]).toMatchObject({ id: '1', redelivered: true });
    expect(received[1]!.payload).toBeUndefined();
    await broker.close();
  });

  it('nack with requeue false dead-letters the message as rejected', async () => {
    const broker = new MemoryBroker();
    await broker.publish([message('1')]);
    const { received } = await record(broker, { queues: ['q'], prefetch: 1 });
    await flushMicrotasks();
    const before = Date.now();
    await broker.nack(received[0]!, { requeue: false });
    const [letter, ...rest] = await broker.deadLetters.list('q');
    expect(rest).toEqual([]);
    expect(letter).toMatchObject({ id: '1', queue: 'q', body: 'body-1', reason: 'rejected' });
    expect(letter!.deadLetteredAt).toBeGreaterThanOrEqual(before);
    expect(await broker.stats('q')).toEqual({ ready: 0, delayed: 0, unacked: 0, dead: 1 });
    await broker.close();
  });

  it('deadLetter stores the reason given', async () => {
    const broker = new MemoryBroker();
    await broker.publish([message('1')]);
    const { received } = await record(broker, { queues: ['q'], prefetch: 1 });
    await flushMicrotasks();
    await broker.deadLetter(received[0]!, 'unknown task "x"');
    expect((await broker.deadLetters.list('q')).map((l) => l.reason)).toEqual(['unknown task "x"']);
    await broker.close();
  });

  it('treats settling an unknown or already-settled delivery as a no-op', async () => {
    const broker = new MemoryBroker();
    const other = new MemoryBroker();
    await broker.publish([message('1'), message('2')]);
    const { received } = await record(broker, { queues: ['q'], prefetch: 1 });
    await flushMicrotasks();
    const first = received[0]!;
    await broker.nack(first);
    await flushMicrotasks();
    const again = received[1]!;
    expect(again).toMatchObject({ id: '1', redelivered: true });

    // The stale object from the first delivery must not settle the redelivery.
    await expect(broker.ack(first)).resolves.toBeUndefined();
    await expect(broker.nack(first, { requeue: false })).resolves.toBeUndefined();
    await expect(broker.deadLetter(first, 'x')).resolves.toBeUndefined();
    await expect(other.ack(again)).resolves.toBeUndefined();
    await expect(broker.ack({ ...again })).resolves.toBeUndefined();
    expect(await broker.stats('q')).toEqual({ ready: 1, delayed: 0, unacked: 1, dead: 0 });

    await broker.ack(again);
    await broker.ack(again);
    await broker.deadLetter(again, 'late');
    await flushMicrotasks();
    expect(await broker.stats('q')).toEqual({ ready: 0, delayed: 0, unacked: 1, dead: 0 });
    expect(received.map((d) => d.id)).toEqual(['1', '1', '2']);
    await broker.close();
    await other.close();
  });

  it('extendLease resolves and changes nothing', async () => {
    const broker = new MemoryBroker();
    await broker.publish([message('1')]);
    const { received } = await record(broker, { queues: ['q'], prefetch: 1 });
    await flushMicrotasks();
    await expect(broker.extendLease(received)).resolves.toBeUndefined();
    expect((await broker.stats('q')).unacked).toBe(1);
    await broker.close();
  });
});
