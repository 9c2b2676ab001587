import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryBackend } from '../src/memory-backend.ts';

describe('MemoryBackend leases', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('gives a free lease to one owner at a time', async () => {
    const backend = new MemoryBackend();
    expect(await backend.acquireLease('beat', 'a', 10)).toBe(true);
    expect(await backend.acquireLease('beat', 'b', 10)).toBe(false);
    expect(await backend.get('beat')).toBe('a');
    await backend.close();
  });

  it('lets the owner acquire again, which extends the lease', async () => {
    const backend = new MemoryBackend();
    await backend.acquireLease('beat', 'a', 10);
    await vi.advanceTimersByTimeAsync(8_000);
    expect(await backend.acquireLease('beat', 'a', 10)).toBe(true);
    await vi.advanceTimersByTimeAsync(8_000);
    expect(await backend.acquireLease('beat', 'b', 10)).toBe(false);
    await backend.close();
  });

  it('hands an expired lease to another owner; the old owner can no longer renew it', async () => {
    const backend = new MemoryBackend();
    await backend.acquireLease('beat', 'a', 1.5);
    await vi.advanceTimersByTimeAsync(1_500);
    expect(await backend.acquireLease('beat', 'b', 10)).toBe(true);
    expect(await backend.renewLease('beat', 'a', 10)).toBe(false);
    expect(await backend.get('beat')).toBe('b');
    await backend.close();
  });

  it('renews only for the owner, and only while held', async () => {
    const backend = new MemoryBackend();
    expect(await backend.renewLease('beat', 'a', 10)).toBe(false);
    await backend.acquireLease('beat', 'a', 2);
    await vi.advanceTimersByTimeAsync(1_500);
    expect(await backend.renewLease('beat', 'b', 10)).toBe(false);
    expect(await backend.renewLease('beat', 'a', 2)).toBe(true);
    await vi.advanceTimersByTimeAsync(1_500);
    expect(await backend.get('beat')).toBe('a');
    await vi.advanceTimersByTimeAsync(500);
    expect(await backend.renewLease('beat', 'a', 2)).toBe(false);
    await backend.close();
  });

  it('releases only for the owner', async () => {
    const backend = new MemoryBackend();
    await backend.acquireLease('beat', 'a', 10);
    await backend.releaseLease('beat', 'b');
    expect(await backend.acquireLease('beat', 'b', 10)).toBe(false);
    await backend.releaseLease('beat', 'a');
    expect(await backend.acquireLease('beat', 'b', 10)).toBe(true);
    await backend.releaseLease('nothing', 'a');
    await backend.close();
  });
});
