import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryBackend } from '../src/memory-backend.ts';

describe('MemoryBackend counters and keys', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('incr starts from 0, adds `by`, and reads back as a string', async () => {
    const backend = new MemoryBackend();
    expect(await backend.incr('chord:g1')).toBe(1);
    expect(await backend.incr('chord:g1')).toBe(2);
    expect(await backend.incr('chord:g1', { by: 10 })).toBe(12);
    expect(await backend.incr('chord:g1', { by: -2 })).toBe(10);
    expect(await backend.incr('fresh', { by: 5 })).toBe(5);
    expect(await backend.get('chord:g1')).toBe('10');
    await expect(backend.incr('chord:g1', { by: 0.5 })).rejects.toThrow(RangeError);
    await backend.close();
  });

  it('incr applies the TTL when it creates the key; later calls keep that expiry', async () => {
    const backend = new MemoryBackend();
    await backend.incr('n', { ttl: 10 });
    await vi.advanceTimersByTimeAsync(9_000);
    expect(await backend.incr('n', { ttl: 10 })).toBe(2);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await backend.get('n')).toBeNull();
    await backend.close();
  });

  it('incr counts on an integer string set by setIfAbsent and refuses other text', async () => {
    const backend = new MemoryBackend();
    await backend.setIfAbsent('numeric', '41', 60);
    expect(await backend.incr('numeric')).toBe(42);
    await backend.setIfAbsent('text', 'revoked', 60);
    await expect(backend.incr('text')).rejects.toThrow(/not an integer/);
    expect(await backend.get('text')).toBe('revoked');
    await backend.close();
  });

  it('setIfAbsent sets only the first time and keeps the first value', async () => {
    const backend = new MemoryBackend();
    expect(await backend.setIfAbsent('dedup:t1', 'first', 60)).toBe(true);
    expect(await backend.setIfAbsent('dedup:t1', 'second', 60)).toBe(false);
    expect(await backend.get('dedup:t1')).toBe('first');
    await backend.delete('dedup:t1');
    expect(await backend.get('dedup:t1')).toBeNull();
    expect(await backend.setIfAbsent('dedup:t1', 'third', 60)).toBe(true);
    await backend.delete('never-set');
    await backend.close();
  });
});
