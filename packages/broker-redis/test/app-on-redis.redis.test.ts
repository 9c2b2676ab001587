import { Celeriac, type TaskContext } from '@celeriac/core';
import { pino } from 'pino';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { RedisBackend, RedisBroker } from '../src/index.ts';
import { deleteKeys, describeRedis, redisUrl, uniquePrefix } from './helpers.ts';

describeRedis('a Celeriac app on Redis, end to end', () => {
  let prefix: string;
  let broker: RedisBroker;
  let backend: RedisBackend;
  let app: Celeriac;

  beforeEach(() => {
    prefix = uniquePrefix();
    broker = new RedisBroker({ url: redisUrl(), prefix });
    backend = new RedisBackend({ url: redisUrl(), prefix });
    app = new Celeriac({ broker, backend, logger: pino({ level: 'silent' }) });
  });
  afterEach(async () => {
    await app.close();
    await Promise.all([broker.close(), backend.close()]);
    await deleteKeys(prefix);
  });

  it('delay() then get() returns the result, woken by the backend', async () => {
    const add = app.task('math.add', (a: number, b: number) => a + b);
    await app.worker({ concurrency: 2 }).start();
    const result = await add.delay(2, 3);
    expect(await result.get({ timeout: 5000 })).toBe(5);
    expect(await result.state()).toBe('SUCCESS');
  });

  it('retries with a countdown through the delayed set, then succeeds', async () => {
    const attempts: number[] = [];
    const flaky = app.task(
      'flaky.once',
      (ctx: TaskContext) => {
        attempts.push(Date.now());
        if (ctx.retries === 0) ctx.retry({ countdown: 0.3, error: new Error('not yet') });
        return ctx.retries;
      },
      { bind: true },
    );
    await app.worker({ concurrency: 1 }).start();
    const result = await flaky.delay();
    expect(await result.get({ timeout: 10_000 })).toBe(1);
    expect(attempts).toHaveLength(2);
    expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(300);
    expect(await broker.stats('default')).toEqual({ ready: 0, delayed: 0, unacked: 0, dead: 0 });
  });

  it('runs a backlog highest priority first', async () => {
    const order: number[] = [];
    const record = app.task('record.priority', (priority: number) => {
      order.push(priority);
      return priority;
    });
    const results = [];
    for (const priority of [0, 9, 3, 5, 0, 9]) results.push(await record.applyAsync([priority], { priority }));
    await app.worker({ concurrency: 1 }).start();
    await Promise.all(results.map((result) => result.get({ timeout: 10_000 })));
    expect(order).toEqual([9, 9, 5, 3, 0, 0]);
  });
});
