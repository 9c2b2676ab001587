import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryBackend } from '../src/memory-backend.ts';
import { resultRecord } from './helpers/record.ts';

describe('MemoryBackend task logs', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reads lines oldest first and keeps only the newest maxLines', async () => {
    const backend = new MemoryBackend();
    await backend.appendLog('t1', ['1', '2'], { maxLines: 3, ttl: 60 });
    await backend.appendLog('t1', ['3'], { maxLines: 3, ttl: 60 });
    expect(await backend.readLog('t1')).toEqual(['1', '2', '3']);
    await backend.appendLog('t1', ['4', '5'], { maxLines: 3, ttl: 60 });
    expect(await backend.readLog('t1')).toEqual(['3', '4', '5']);
    await backend.appendLog('t1', ['6', '7', '8', '9'], { maxLines: 3, ttl: 60 });
    expect(await backend.readLog('t1')).toEqual(['7', '8', '9']);
    expect(await backend.readLog('unknown')).toEqual([]);
    await expect(backend.appendLog('t1', ['x'], { maxLines: -1, ttl: 60 })).rejects.toThrow(RangeError);
    await backend.close();
  });

  it('returns a copy the caller may change', async () => {
    const backend = new MemoryBackend();
    await backend.appendLog('t1', ['a'], { maxLines: 10, ttl: 60 });
    const lines = await backend.readLog('t1');
    lines.push('mine');
    expect(await backend.readLog('t1')).toEqual(['a']);
    await backend.close();
  });

  it('refreshes the TTL of the log on every append', async () => {
    const backend = new MemoryBackend();
    await backend.appendLog('t1', ['a'], { maxLines: 10, ttl: 2 });
    await vi.advanceTimersByTimeAsync(1_500);
    await backend.appendLog('t1', ['b'], { maxLines: 10, ttl: 2 });
    await vi.advanceTimersByTimeAsync(1_500);
    expect(await backend.readLog('t1')).toEqual(['a', 'b']);
    await vi.advanceTimersByTimeAsync(500);
    expect(await backend.readLog('t1')).toEqual([]);
    await backend.close();
  });

  it('forget deletes the record and its logs', async () => {
    const backend = new MemoryBackend();
    await backend.setResult(resultRecord('t1', 'SUCCESS', 1), 60);
    await backend.appendLog('t1', ['a'], { maxLines: 10, ttl: 60 });
    await backend.setResult(resultRecord('t2', 'SUCCESS', 2), 60);
    await backend.forget('t1');
    expect(await backend.getResult('t1')).toBeNull();
    expect(await backend.readLog('t1')).toEqual([]);
    expect(await backend.getResult('t2')).not.toBeNull();
    await backend.forget('never-existed');
    await backend.close();
  });
});
