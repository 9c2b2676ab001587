import type { Broker, Delivery } from '@celeriac/core';
import { describe, expect, it } from 'vitest';
import { MemoryBroker } from '../src/memory-broker.ts';
import { flushMicrotasks, message, record } from './helpers/flush.ts';

/** Publish messages and dead-letter each of them, in order, with reason `why-<id>`. */
async function bury(broker: Broker, ids: string[], priority = 0): Promise<void> {
  await broker.publish(ids.map((id) => message(id, 'q', { priority })));
  const held: Delivery[] = [];
  const subscription = await broker.consume({ queues: ['q'], prefetch: ids.length }, (d) => held.push(d));
  await flushMicrotasks();
  await subscription.close();
  for (const delivery of held) await broker.deadLetter(delivery, `why-${delivery.id}`);
}

describe('MemoryBroker dead letters', () => {
  it('lists newest first, with limit and offset', async () => {
    const broker = new MemoryBroker();
    await bury(broker, ['1', '2', '3', '4']);
    const ids = async (options?: { limit?: number; offset?: number }) =>
      (await broker.deadLetters.list('q', options)).map((l) => l.id);
    expect(await ids()).toEqual(['4', '3', '2', '1']);
    expect(await ids({ limit: 2 })).toEqual(['4', '3']);
    expect(await ids({ limit: 2, offset: 1 })).toEqual(['3', '2']);
    expect(await ids({ offset: 3 })).toEqual(['1']);
    expect(await ids({ offset: 10 })).toEqual([]);
    expect(await broker.deadLetters.list('unknown')).toEqual([]);
    await expect(broker.deadLetters.list('q', { offset: -1 })).rejects.toThrow(RangeError);
    await broker.close();
  });

  it('requeues a dead letter as a fresh ready message with its id, body and priority', async () => {
    const broker = new MemoryBroker();
    await bury(broker, ['1'], 6);
    expect(await broker.deadLetters.requeue('q', '1')).toBe(true);
    expect(await broker.deadLetters.requeue('q', '1')).toBe(false);
    expect(await broker.deadLetters.requeue('other', '1')).toBe(false);
    expect(await broker.stats('q')).toEqual({ ready: 1, delayed: 0, unacked: 0, dead: 0 });

    const { received } = await record(broker, { queues: ['q'], prefetch: 1 });
    await flushMicrotasks();
    expect(received).toEqual([{ id: '1', queue: 'q', body: 'body-1', priority: 6, redelivered: false }]);
    await broker.close();
  });

  it('deletes a dead letter by id', async () => {
    const broker = new MemoryBroker();
    await bury(broker, ['1', '2']);
    expect(await broker.deadLetters.delete('q', '1')).toBe(true);
    expect(await broker.deadLetters.delete('q', '1')).toBe(false);
    expect(await broker.deadLetters.delete('nowhere', '2')).toBe(false);
    expect((await broker.deadLetters.list('q')).map((l) => l.id)).toEqual(['2']);
    expect((await broker.stats('q')).dead).toBe(1);
    await broker.close();
  });

  it('keeps at most maxDeadLettersPerQueue, dropping and counting the oldest', async () => {
    const broker = new MemoryBroker({ maxDeadLettersPerQueue: 3 });
    await bury(broker, ['1', '2', '3', '4', '5']);
    expect((await broker.deadLetters.list('q')).map((l) => l.id)).toEqual(['5', '4', '3']);
    expect(broker.droppedDeadLetters).toBe(2);
    expect((await broker.stats('q')).dead).toBe(3);
    await broker.close();
  });

  it('stores letters that cannot be changed by whoever lists them', async () => {
    const broker = new MemoryBroker();
    await bury(broker, ['1']);
    const [letter] = await broker.deadLetters.list('q');
    expect(Object.isFrozen(letter)).toBe(true);
    expect(letter).toEqual({
      id: '1',
      queue: 'q',
      body: 'body-1',
      reason: 'why-1',
      deadLetteredAt: expect.any(Number),
    });
    await broker.close();
  });
});
