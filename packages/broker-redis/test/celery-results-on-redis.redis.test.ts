import { Redis } from 'ioredis';
import { afterEach, expect, it } from 'vitest';
import { CeleryRedisBackend } from '../src/index.ts';
import { describeRedis, redisUrl, uniquePrefix } from './helpers.ts';

describeRedis('Celery-mode results in Redis', () => {
  const opened: { close(): Promise<unknown> }[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((item) => item.close()));
  });

  async function setup() {
    const backend = new CeleryRedisBackend({ url: redisUrl(), prefix: uniquePrefix() });
    const redis = new Redis(redisUrl());
    opened.push(backend, { close: () => redis.quit() });
    await backend.connect();
    return { backend, redis, id: `celery-mode-${Math.random().toString(16).slice(2)}` };
  }

  it('stores the meta under celery-task-meta-<id> with the TTL, as Celery does', async () => {
    const { backend, redis, id } = await setup();
    await backend.setResult(
      { taskId: id, name: 'ts.add', state: 'SUCCESS', result: 5, retries: 0, dateDone: '2026-01-01T00:00:00.000Z' },
      60,
    );
    const meta = JSON.parse((await redis.get(`celery-task-meta-${id}`)) ?? 'null') as Record<string, unknown>;
    expect(meta).toMatchObject({
      status: 'SUCCESS',
      result: 5,
      task_id: id,
      date_done: '2026-01-01T00:00:00.000000+00:00',
    });
    expect(await redis.pttl(`celery-task-meta-${id}`)).toBeGreaterThan(59_000);
  });

  it('reads a meta Python wrote, and wakes a watcher on a PUBLISH of the key', async () => {
    const { backend, redis, id } = await setup();
    const received: string[] = [];
    const unsubscribe = await backend.watch(id, (record) => received.push(record.state));
    const meta = JSON.stringify({
      status: 'STARTED',
      result: { pid: 1, hostname: 'py' },
      traceback: null,
      children: [],
      date_done: null,
      task_id: id,
    });
    await redis.set(`celery-task-meta-${id}`, meta);
    await redis.publish(`celery-task-meta-${id}`, meta);
    await expect.poll(() => received).toEqual(['STARTED']);
    expect(await backend.getResult(id)).toMatchObject({
      taskId: id,
      state: 'STARTED',
      meta: { pid: 1, hostname: 'py' },
    });
    await unsubscribe();
  });

  it('keeps a SUCCESS final: a later state of the same task is ignored, as by Celery', async () => {
    const { backend, id } = await setup();
    await backend.setResult({ taskId: id, name: null, state: 'SUCCESS', result: 1, retries: 0, dateDone: null }, 60);
    await backend.setResult({ taskId: id, name: null, state: 'STARTED', retries: 0, dateDone: null }, 60);
    expect(await backend.getResult(id)).toMatchObject({ state: 'SUCCESS', result: 1 });
    await backend.forget(id);
    await backend.setResult({ taskId: id, name: null, state: 'STARTED', retries: 0, dateDone: null }, 60);
    expect(await backend.getResult(id)).toMatchObject({ state: 'STARTED' });
  });

  it('reads a key that does not hold a meta as unknown, and reports it', async () => {
    const errors: string[] = [];
    const backend = new CeleryRedisBackend({ url: redisUrl(), onError: (_, source) => errors.push(source) });
    const redis = new Redis(redisUrl());
    opened.push(backend, { close: () => redis.quit() });
    const id = `celery-mode-${Math.random().toString(16).slice(2)}`;
    await redis.set(`celery-task-meta-${id}`, 'not json', 'EX', 60);
    expect(await backend.getResult(id)).toBeNull();
    expect(errors).toEqual([expect.stringContaining(`celery-task-meta-${id}`)]);
  });
});
