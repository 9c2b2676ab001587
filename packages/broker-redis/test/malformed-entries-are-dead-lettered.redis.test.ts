import { Celeriac } from '@celeriac/core';
import { waitFor } from '@celeriac/core/testing';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { RedisBackend, RedisBroker } from '../src/index.ts';
import { adminClient, deleteKeys, describeRedis, redisUrl, uniquePrefix } from './helpers.ts';

describeRedis("garbage written by hand into a queue's keys", () => {
  let prefix: string;
  let broker: RedisBroker;
  let backend: RedisBackend;
  let app: Celeriac;
  let admin: Redis;

  beforeEach(() => {
    prefix = uniquePrefix();
    broker = new RedisBroker({ url: redisUrl(), prefix, onError: () => undefined });
    backend = new RedisBackend({ url: redisUrl(), prefix });
    app = new Celeriac({ broker, backend, logger: pino({ level: 'silent' }) });
    admin = adminClient();
  });
  afterEach(async () => {
    await app.close();
    await Promise.all([broker.close(), backend.close()]);
    await deleteKeys(prefix);
    admin.disconnect();
  });

  it('a malformed stream entry is dead-lettered with the reason, and the worker goes on to run the next good task', async () => {
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

  it('a key of another type where a ready stream belongs does not stop the other priorities', async () => {
    const add = app.task('math.add', (a: number, b: number) => a + b);
    await app.worker({ concurrency: 1 }).start();
    await admin.rpush(broker.keys.stream('default', 9), 'not a stream');
    await admin.setrange(broker.keys.queueKeys('default')[0]!, 9, '1');
    const result = await add.applyAsync([1, 2], { priority: 4 });
    expect(await result.get({ timeout: 10_000 })).toBe(3);
    await expect(add.applyAsync([1, 2], { priority: 9 })).rejects.toMatchObject({ code: 'PUBLISH' });
  });
});
