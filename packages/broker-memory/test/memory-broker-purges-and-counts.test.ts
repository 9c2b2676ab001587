import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryBroker } from '../src/memory-broker.ts';
import { message, record } from './helpers/flush.ts';

describe('MemoryBroker purge and stats', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 5_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('purge removes the ready and delayed messages of one queue and returns how many', async () => {
    const broker = new MemoryBroker();
    const later = Date.now() + 1_000;
    await broker.publish([
      message('1'),
      message('2', 'q', { priority: 9 }),
      message('3', 'q', { eta: later }),
      message('4'),
      message('o1', 'other'),
      message('o2', 'other', { eta: later }),
    ]);
    const { received } = await record(broker, { queues: ['q'], prefetch: 1 });
    await vi.advanceTimersByTimeAsync(0);
    expect(received.map((d) => d.id)).toEqual(['2']);
    expect(await broker.stats('q')).toEqual({ ready: 2, delayed: 1, unacked: 1, dead: 0 });

    expect(await broker.purge('q')).toBe(3);
    expect(await broker.stats('q')).toEqual({ ready: 0, delayed: 0, unacked: 1, dead: 0 });
    expect(await broker.stats('other')).toEqual({ ready: 1, delayed: 1, unacked: 0, dead: 0 });

    // The delayed message of the other queue still arrives; the purged one never does.
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await broker.stats('other')).toMatchObject({ ready: 2, delayed: 0 });
    await broker.ack(received[0]!);
    await vi.advanceTimersByTimeAsync(0);
    expect(received).toHaveLength(1);
    await broker.close();
  });

  it('purge and stats of an unknown queue are zero', async () => {
    const broker = new MemoryBroker();
    expect(await broker.purge('nope')).toBe(0);
    expect(await broker.stats('nope')).toEqual({ ready: 0, delayed: 0, unacked: 0, dead: 0 });
    await broker.close();
  });

  it('a queue is usable again after purge', async () => {
    const broker = new MemoryBroker();
    await broker.publish(Array.from({ length: 100 }, (_, i) => message(String(i), 'q', { priority: i % 10 })));
    expect(await broker.purge('q')).toBe(100);
    await broker.publish([message('after', 'q', { priority: 3 })]);
    const { received } = await record(broker, { queues: ['q'], prefetch: 5 });
    await vi.advanceTimersByTimeAsync(0);
    expect(received.map((d) => d.id)).toEqual(['after']);
    await broker.close();
  });
});
