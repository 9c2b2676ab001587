import type { Json } from '@celeriac/core';
import { describe, expect, it, vi } from 'vitest';
import { MemoryBroker } from '../src/memory-broker.ts';
import { flushMicrotasks } from './helpers/flush.ts';

describe('MemoryBroker broadcast', () => {
  it('delivers the same object to every subscriber of the channel, asynchronously', async () => {
    const broker = new MemoryBroker();
    const a: Json[] = [];
    const b: Json[] = [];
    const elsewhere: Json[] = [];
    await broker.subscribeBroadcast('events', (m) => a.push(m));
    await broker.subscribeBroadcast('events', (m) => b.push(m));
    await broker.subscribeBroadcast('control', (m) => elsewhere.push(m));
    const sent = { type: 'task-sent', taskId: 't1' };
    const sending = broker.broadcast('events', sent);
    expect(a).toEqual([]);
    await sending;
    await flushMicrotasks();
    expect(a).toHaveLength(1);
    expect(a[0]).toBe(sent);
    expect(b[0]).toBe(sent);
    expect(elsewhere).toEqual([]);
    await broker.close();
  });

  it('keeps the order of broadcasts, including ones sent by a handler', async () => {
    const broker = new MemoryBroker();
    const seen: Json[] = [];
    await broker.subscribeBroadcast('c', (m) => {
      seen.push(m);
      if (m === 1) void broker.broadcast('c', 3);
    });
    void broker.broadcast('c', 1);
    void broker.broadcast('c', 2);
    await flushMicrotasks();
    expect(seen).toEqual([1, 2, 3]);
    await broker.close();
  });

  it('a handler that throws is reported and does not stop the others', async () => {
    const onListenerError = vi.fn();
    const broker = new MemoryBroker({ onListenerError });
    const seen: string[] = [];
    await broker.subscribeBroadcast('c', () => {
      seen.push('first');
      throw new Error('handler failed');
    });
    await broker.subscribeBroadcast('c', () => seen.push('second'));
    await broker.broadcast('c', 'hello');
    await flushMicrotasks();
    expect(seen).toEqual(['first', 'second']);
    expect(onListenerError).toHaveBeenCalledWith(expect.any(Error), 'broadcast handler on "c"');
    await broker.close();
  });

  it('reports to console.error by default', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const broker = new MemoryBroker();
      await broker.subscribeBroadcast('c', () => {
        throw new Error('loud');
      });
      await broker.broadcast('c', null);
      await flushMicrotasks();
      expect(spy).toHaveBeenCalledOnce();
      expect(String(spy.mock.calls[0]![0])).toContain('broadcast handler on "c"');
      await broker.close();
    } finally {
      spy.mockRestore();
    }
  });

  it('a closed subscription receives nothing, even what was broadcast before it closed', async () => {
    const broker = new MemoryBroker();
    const seen: Json[] = [];
    const subscription = await broker.subscribeBroadcast('c', (m) => seen.push(m));
    void broker.broadcast('c', 1);
    void subscription.close();
    await subscription.close();
    await broker.broadcast('c', 2);
    await flushMicrotasks();
    expect(seen).toEqual([]);
    await broker.close();
  });

  it('broadcasting to a channel nobody listens to is fine', async () => {
    const broker = new MemoryBroker();
    await expect(broker.broadcast('silence', { a: 1 })).resolves.toBeUndefined();
    await broker.close();
  });
});
