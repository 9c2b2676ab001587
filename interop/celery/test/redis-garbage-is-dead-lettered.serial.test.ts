import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { celeryMissing, pythonSend, uniqueQueue } from './python.ts';
import { celeryModeApp, flushInteropDb, redisCeleryEnv, redisClient, redisMissing } from './redis-env.ts';

const skip = celeryMissing || redisMissing;

/** A kombu envelope around `body`, with the given content type and headers. */
function kombu(body: string, contentType: string, headers: Record<string, unknown>, queue: string): string {
  return JSON.stringify({
    body: Buffer.from(body).toString('base64'),
    'content-encoding': 'utf-8',
    'content-type': contentType,
    headers,
    properties: {
      correlation_id: 'c1',
      delivery_mode: 2,
      delivery_info: { exchange: '', routing_key: queue },
      priority: 0,
      body_encoding: 'base64',
      delivery_tag: `tag-${Math.random()}`,
    },
  });
}

describe.skipIf(skip !== '')(`bad entries in a kombu list, over Redis${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const closing: (() => Promise<unknown>)[] = [];
  beforeEach(flushInteropDb);
  afterEach(async () => {
    for (const close of closing.splice(0)) await close();
  });

  it('are dead-lettered with a reason, and the worker keeps going', async () => {
    const queue = uniqueQueue('garbage');
    const redis = redisClient();
    closing.push(async () => redis.disconnect());
    // Written as a producer would (LPUSH), before the worker starts: consumed oldest first.
    await redis.lpush(
      queue,
      'this is not JSON',
      JSON.stringify({ body: 'x', headers: {} }),
      kombu('{"task": "tasks.add", "id": "p1", "args": [1, 2]}', 'application/json', {}, queue),
      kombu('\x80\x04pickled', 'application/x-python-serialize', { task: 'ts.add', id: 'p2' }, queue),
    );
    const app = celeryModeApp({ defaultQueue: queue });
    closing.push(() => app.close());
    app.task('ts.add', (x: number, y: number) => x + y);
    await app.worker({ queues: [queue] }).start();

    expect(await pythonSend(redisCeleryEnv(queue), 'ts.add', [20, 22])).toMatchObject({ result: 42 });
    const dead = await app.control.deadLetters(queue).list();
    expect(dead.map((letter) => letter.reason).reverse()).toEqual([
      'not a kombu message: the list entry is not JSON',
      'not a kombu message: no properties object',
      expect.stringMatching(/^undecodable Celery message: .*protocol 1 is not supported/),
      expect.stringMatching(/content type "application\/x-python-serialize" is not supported/),
    ]);
    expect(dead[3]?.body).toBe('this is not JSON');
    expect(await redis.hlen('unacked')).toBe(0);
    expect(await app.control.deadLetters(queue).delete(dead[0]!.id)).toBe(true);
  });
});
