import type { DeadLetter } from '@celeriac/core';
import { expect, it } from 'vitest';
import { describeRedis } from './helpers.ts';
import { expectStats, pollUntil, scopePerTest, startWorker } from './reliability.ts';

const openScope = scopePerTest();

describeRedis("garbage written by hand into a queue's ready stream", () => {
  it('goes to the dead-letter queue with the reason; the worker keeps running and the next good task runs', async () => {
    const { prefix, admin, producer } = openScope();
    const worker = await startWorker({ prefix, visibilityTimeout: 3, concurrency: 1 });
    // The layout (src/keys.ts): priority 0 of queue `default` is the stream <prefix>queue:default:ready:0,
    // entries { i: message id, b: body }. Written by hand, nothing marks the level or wakes the
    // worker: its recovery sweep (every third of the visibility timeout) has to find them.
    const stream = `${prefix}queue:default:ready:0`;
    const noFields = await admin.xadd(stream, '*', 'hello', 'world');
    await admin.xadd(stream, '*', 'i', 'not-json', 'b', '{"headers": nope');
    await admin.xadd(stream, '*', 'i', 'not-an-envelope', 'b', '[1, 2, 3]');

    const letters = await pollUntil(
      () => producer.broker.deadLetters.list('default'),
      (list) => list.length === 3,
      { timeout: 20_000, message: (list) => `dead letters: ${JSON.stringify(list)}; ${worker.stderr()}` },
    );
    const byId = new Map<string, DeadLetter>(letters.map((letter) => [letter.id, letter]));
    // Broker level: an entry without the message fields is dead-lettered by the fetch script.
    expect(byId.get(noFields!)?.reason).toMatch(/malformed stream entry.*hello/);
    expect(JSON.parse(byId.get(noFields!)!.body)).toEqual(['hello', 'world']);
    // Worker level: a body that is not a Celeriac message.
    expect(byId.get('not-json')?.reason).toMatch(/undecodable/);
    expect(byId.get('not-json')?.body).toBe('{"headers": nope');
    expect(byId.get('not-an-envelope')?.reason).toMatch(/undecodable/);

    const good = await producer.app.sendTask('rel.work', [10]);
    expect(await good.get({ timeout: 15_000 })).toEqual({ pid: worker.pid });
    expect(worker.alive()).toBe(true);
    await expectStats(producer.broker, 'default', { ready: 0, delayed: 0, unacked: 0, dead: 3 });
  }, 60_000);

  it('does not hold up good tasks published behind it', async () => {
    const { prefix, admin, producer } = openScope();
    const worker = await startWorker({ prefix, concurrency: 1 });
    await admin.xadd(`${prefix}queue:default:ready:0`, '*', 'b', 'a body without a message id');
    // Publishing marks the stream ready and wakes the worker, which reads the garbage first.
    const good = await producer.app.sendTask('rel.work', [10]);

    expect(await good.get({ timeout: 15_000 })).toEqual({ pid: worker.pid });
    const [letter] = await producer.broker.deadLetters.list('default');
    expect(letter?.reason).toMatch(/malformed stream entry/);
    expect(letter?.body).toBe('a body without a message id');
    await expectStats(producer.broker, 'default', { ready: 0, delayed: 0, unacked: 0, dead: 1 });
  }, 60_000);
});
