import type { ResultRecord } from '@celeriac/core';
import { afterEach, expect, it } from 'vitest';
import { RedisBackend } from '../src/index.ts';
import { adminClient, deleteKeys, describeRedis, redisUrl, uniquePrefix } from './helpers.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function record(taskId: string, state: ResultRecord['state'], extra: Partial<ResultRecord> = {}): ResultRecord {
  return { taskId, name: 'coalesce', state, retries: 0, dateDone: null, ...extra };
}

describeRedis('result writes of one event-loop turn', () => {
  it('a key written twice in one turn is stored and published once, with the later record', async () => {
    const prefix = uniquePrefix();
    const backend = new RedisBackend({ url: redisUrl(), prefix });
    const admin = adminClient();
    cleanups.push(async () => {
      await backend.close();
      await deleteKeys(prefix);
      admin.disconnect();
    });
    await backend.connect();
    const seen: string[] = [];
    await backend.watch('t1', (stored) => seen.push(stored.state));
    await backend.watch('t2', (stored) => seen.push(`t2:${stored.state}`));

    await Promise.all([
      backend.setResult(record('t1', 'STARTED'), 60),
      backend.setResult(record('t2', 'STARTED'), 60),
      backend.setResult(record('t1', 'SUCCESS', { result: 42, dateDone: new Date().toISOString() }), 60),
    ]);

    expect((await backend.getResult('t1'))?.state).toBe('SUCCESS');
    expect((await backend.getResult('t1'))?.result).toBe(42);
    expect((await backend.getResult('t2'))?.state).toBe('STARTED');
    await expect.poll(() => seen.sort()).toEqual(['SUCCESS', 't2:STARTED']);
    // t1's watcher never saw STARTED: that write was replaced before it reached Redis.
    expect(seen).not.toContain('STARTED');
    // The ttl of the later write is the one kept.
    expect(await admin.pttl(`${prefix}result:t1`)).toBeGreaterThan(50_000);
  });
});
