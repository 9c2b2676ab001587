import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryBroker } from '../src/memory-broker.ts';
import { message, record } from './helpers/flush.ts';

describe('MemoryBroker delayed delivery', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps a message until its eta, then delivers it', async () => {
    const broker = new MemoryBroker();
    const { received } = await record(broker, { queues: ['q'], prefetch: 10 });
    await broker.publish([message('later', 'q', { eta: Date.now() + 5_000 })]);
    expect(await broker.stats('q')).toMatchObject({ ready: 0, delayed: 1 });

    await vi.advanceTimersByTimeAsync(4_999);
    expect(received).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(received.map((d) => d.id)).toEqual(['later']);
    expect(await broker.stats('q')).toMatchObject({ ready: 0, delayed: 0, unacked: 1 });
    await broker.close();
  });

  it('uses one timer for all delayed messages, re-armed for an earlier one', async () => {
    const broker = new MemoryBroker();
    const { received } = await record(broker, { queues: ['q'], prefetch: 10 });
    const now = Date.now();
    await broker.publish([message('c', 'q', { eta: now + 3_000 }), message('b', 'q', { eta: now + 2_000 })]);
    await broker.publish([message('a', 'q', { eta: now + 1_000 }), message('d', 'q', { eta: now + 3_000 })]);
    expect(vi.getTimerCount()).toBe(1);

    await vi.advanceTimersByTimeAsync(1_000);
    expect(received.map((d) => d.id)).toEqual(['a']);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(received.map((d) => d.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(vi.getTimerCount()).toBe(0);
    await broker.close();
  });

  it('delivers at once a message whose eta has passed', async () => {
    const broker = new MemoryBroker();
    await broker.publish([message('past', 'q', { eta: Date.now() - 1 }), message('now', 'q', { eta: Date.now() })]);
    expect(await broker.stats('q')).toMatchObject({ ready: 2, delayed: 0 });
    expect(vi.getTimerCount()).toBe(0);
    await broker.close();
  });

  it('puts a due message behind the ready ones of its priority, and ahead of lower ones', async () => {
    const broker = new MemoryBroker();
    await broker.publish([message('delayed', 'q', { priority: 5, eta: Date.now() + 100 })]);
    await broker.publish([message('ready-5', 'q', { priority: 5 }), message('ready-1', 'q', { priority: 1 })]);
    await vi.advanceTimersByTimeAsync(100);
    const { received } = await record(broker, { queues: ['q'], prefetch: 10 });
    await vi.advanceTimersByTimeAsync(0);
    expect(received.map((d) => d.id)).toEqual(['ready-5', 'delayed', 'ready-1']);
    await broker.close();
  });

  it('clears its timer on close and re-arms it on connect', async () => {
    const broker = new MemoryBroker();
    await broker.publish([message('later', 'q', { eta: Date.now() + 1_000 })]);
    expect(vi.getTimerCount()).toBe(1);
    await broker.close();
    expect(vi.getTimerCount()).toBe(0);
    await broker.connect();
    expect(vi.getTimerCount()).toBe(1);
    const { received } = await record(broker, { queues: ['q'], prefetch: 1 });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(received.map((d) => d.id)).toEqual(['later']);
    await broker.close();
  });
});

describe('MemoryBroker delay timer', () => {
  it('does not keep the process alive', async () => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const broker = new MemoryBroker();
    try {
      await broker.publish([message('later', 'q', { eta: Date.now() + 60_000 })]);
      expect(spy).toHaveBeenCalledOnce();
      const timer = spy.mock.results[0]!.value as NodeJS.Timeout;
      expect(timer.hasRef()).toBe(false);
    } finally {
      spy.mockRestore();
      await broker.close();
    }
  });
});
