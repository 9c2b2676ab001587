import { Celeriac } from '@celeriac/core';
import { waitFor } from '@celeriac/core/testing';
import { pino } from 'pino';
import { afterEach, expect, it } from 'vitest';
import { RedisBackend, RedisBroker } from '../src/index.ts';
import { adminClient, deleteKeys, describeRedis, redisUrl, uniquePrefix } from './helpers.ts';

describeRedis('a malformed entry written by hand into a ready stream', () => {
  const prefix = uniquePrefix();
  const broker = new RedisBroker({ url: redisUrl(), prefix });
  const backend = new RedisBackend({ url: redisUrl(), prefix });
  const app = new Celeriac({ broker, backend, logger: pino({ level: 'silent' }) });
  const admin = adminClient();

  afterEach(async () => {
    await app.close();
    await Promise.all([broker.close(), backend.close()]);
    await deleteKeys(prefix);
    admin.disconnect();
  });

  it('is dead-lettered with the reason, and the worker goes on to run the next good task', async () => {
    const add = app.task('math.add', (a: number, b: number) => a + b);
    await app.worker({ concurrency: 1 }).start();
    const stream = broker.keys.stream('default', 0);
    const wrongLayout = await admin.xadd(stream, '*', 'hello', 'world');
    await admin.xadd(stream, '*', 'i', 'not-json', 'b', 'this is not JSON');
    // Publishing marks priority 0 ready and wakes the worker, which reads the garbage first.
    const result = await add.delay(2, 3);

    expect(await result.get({ timeout: 10_000 })).toBe(5);
    await waitFor(async () => (await broker.stats('default')).dead === 2, { timeout: 5000 });
    const letters = await broker.deadLetters.list('default');
    const byId = new Map(letters.map((letter) => [letter.id, letter]));
    expect(byId.get(wrongLayout!)?.reason).toMatch(/malformed stream entry.*\[hello\]/);
    expect(byId.get('not-json')?.reason).toMatch(/undecodable message/);
    expect(byId.get('not-json')?.body).toBe('this is not JSON');
    expect(await broker.stats('default')).toEqual({ ready: 0, delayed: 0, unacked: 0, dead: 2 });
  });
});
