import type { ResultRecord } from '@celeriac/core';
import { describe, expect, it, vi } from 'vitest';
import { MemoryBackend } from '../src/memory-backend.ts';
import { flushMicrotasks } from './helpers/flush.ts';
import { resultRecord } from './helpers/record.ts';

describe('MemoryBackend watch', () => {
  it('calls the listener asynchronously on each setResult of its task, with the stored record', async () => {
    const backend = new MemoryBackend();
    const seen: ResultRecord[] = [];
    await backend.watch('t1', (record) => seen.push(record));
    const started = resultRecord('t1', 'STARTED');
    const done = resultRecord('t1', 'SUCCESS', 42);
    const setting = backend.setResult(started, 60);
    expect(seen).toEqual([]);
    await setting;
    await backend.setResult(resultRecord('other', 'SUCCESS'), 60);
    await backend.setResult(done, 60);
    await flushMicrotasks();
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBe(started);
    expect(seen[1]).toBe(done);
    expect(await backend.getResult('t1')).toBe(done);
    await backend.close();
  });

  it('stops calling a listener once unsubscribed, even for a pending notification', async () => {
    const backend = new MemoryBackend();
    const first = vi.fn();
    const second = vi.fn();
    const unsubscribe = await backend.watch('t1', first);
    await backend.watch('t1', second);
    void backend.setResult(resultRecord('t1', 'STARTED'), 60);
    await unsubscribe();
    await unsubscribe();
    await flushMicrotasks();
    expect(first).not.toHaveBeenCalled();
    expect(second).toHaveBeenCalledOnce();
    await backend.close();
  });

  it('reports a listener that throws and still calls the others', async () => {
    const onListenerError = vi.fn();
    const backend = new MemoryBackend({ onListenerError });
    const other = vi.fn();
    await backend.watch('t1', () => {
      throw new Error('watcher failed');
    });
    await backend.watch('t1', other);
    await backend.setResult(resultRecord('t1', 'SUCCESS'), 60);
    await flushMicrotasks();
    expect(other).toHaveBeenCalledOnce();
    expect(onListenerError).toHaveBeenCalledWith(expect.any(Error), 'result watcher of task "t1"');
    await backend.close();
  });

  it('close removes every watcher', async () => {
    const backend = new MemoryBackend();
    const listener = vi.fn();
    await backend.watch('t1', listener);
    await backend.close();
    await backend.setResult(resultRecord('t1', 'SUCCESS'), 60);
    await flushMicrotasks();
    expect(listener).not.toHaveBeenCalled();
  });

  it('declares that it is in-process only', () => {
    expect(new MemoryBackend().capabilities).toEqual({ crossProcess: false });
  });
});
