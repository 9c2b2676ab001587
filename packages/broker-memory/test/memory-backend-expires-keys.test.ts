import { ConfigError } from '@celeriac/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryBackend } from '../src/memory-backend.ts';
import { resultRecord } from './helpers/record.ts';

describe('MemoryBackend TTLs', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 10_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('hides a result record once its TTL has passed', async () => {
    const backend = new MemoryBackend();
    const record = resultRecord('t1', 'SUCCESS', 3);
    await backend.setResult(record, 2);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(await backend.getResult('t1')).toBe(record);
    expect(await backend.getResults(['t1', 'missing'])).toEqual([record, null]);
    await vi.advanceTimersByTimeAsync(1);
    expect(await backend.getResult('t1')).toBeNull();
    expect(await backend.getResults(['t1'])).toEqual([null]);
    await backend.close();
  });

  it('honours fractional TTLs on every kind of key', async () => {
    const backend = new MemoryBackend();
    await backend.setResult(resultRecord('t1'), 0.5);
    await backend.incr('counter', { ttl: 0.5 });
    await backend.setIfAbsent('once', 'x', 0.5);
    await backend.acquireLease('lease', 'me', 0.5);
    await backend.appendLog('t1', ['line'], { maxLines: 10, ttl: 0.5 });

    await vi.advanceTimersByTimeAsync(499);
    expect(await backend.getResult('t1')).not.toBeNull();
    expect(await backend.get('counter')).toBe('1');
    expect(await backend.get('once')).toBe('x');
    expect(await backend.get('lease')).toBe('me');
    expect(await backend.readLog('t1')).toEqual(['line']);

    await vi.advanceTimersByTimeAsync(1);
    expect(await backend.getResult('t1')).toBeNull();
    expect(await backend.get('counter')).toBeNull();
    expect(await backend.get('once')).toBeNull();
    expect(await backend.get('lease')).toBeNull();
    expect(await backend.readLog('t1')).toEqual([]);
    // Expired keys are free again.
    expect(await backend.incr('counter')).toBe(1);
    expect(await backend.setIfAbsent('once', 'y', 1)).toBe(true);
    expect(await backend.acquireLease('lease', 'you', 1)).toBe(true);
    await backend.close();
  });

  it('keeps a key without a positive finite TTL until it is deleted', async () => {
    const backend = new MemoryBackend({ sweepIntervalMs: 86_400_000 });
    await backend.setResult(resultRecord('forever'), 0);
    await backend.setIfAbsent('k', 'v', Number.POSITIVE_INFINITY);
    await backend.incr('n');
    await vi.advanceTimersByTimeAsync(365 * 86_400_000);
    expect(await backend.getResult('forever')).not.toBeNull();
    expect(await backend.get('k')).toBe('v');
    expect(await backend.get('n')).toBe('1');
    await backend.delete('k');
    expect(await backend.get('k')).toBeNull();
    await backend.close();
  });

  it('replacing a record restarts its TTL', async () => {
    const backend = new MemoryBackend();
    await backend.setResult(resultRecord('t1', 'STARTED'), 1);
    await vi.advanceTimersByTimeAsync(900);
    const done = resultRecord('t1', 'SUCCESS', 1);
    await backend.setResult(done, 1);
    await vi.advanceTimersByTimeAsync(900);
    expect(await backend.getResult('t1')).toBe(done);
    await backend.close();
  });

  it('sweeps on one unref’d interval, stopped by close and restarted by connect', async () => {
    const backend = new MemoryBackend({ sweepIntervalMs: 1_000 });
    expect(vi.getTimerCount()).toBe(1);
    await backend.connect();
    expect(vi.getTimerCount()).toBe(1);
    await backend.close();
    expect(vi.getTimerCount()).toBe(0);
    await backend.connect();
    expect(vi.getTimerCount()).toBe(1);
    await backend.close();
    expect(() => new MemoryBackend({ sweepIntervalMs: 0 })).toThrow(ConfigError);
  });
});

describe('MemoryBackend sweep timer', () => {
  it('does not keep the process alive', async () => {
    const spy = vi.spyOn(globalThis, 'setInterval');
    const backend = new MemoryBackend();
    try {
      expect(spy).toHaveBeenCalledOnce();
      expect((spy.mock.results[0]!.value as NodeJS.Timeout).hasRef()).toBe(false);
    } finally {
      spy.mockRestore();
      await backend.close();
    }
  });
});
