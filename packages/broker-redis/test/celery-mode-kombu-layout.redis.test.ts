import { randomUUID } from 'node:crypto';
import { type Delivery, decodeEnvelope, ENVELOPE_VERSION, type TaskEnvelope } from '@celeriac/core';
import { collectDeliveries } from '@celeriac/core/testing';
import type { Redis } from 'ioredis';
import { afterEach, expect, it } from 'vitest';
import { KombuRedisBroker } from '../src/index.ts';
import { adminClient, deleteKeys, describeRedis, redisUrl, uniquePrefix } from './helpers.ts';

const SEP = '\x06\x16';

/** A Celeriac task envelope, as core encodes one. */
function envelope(id: string, eta: string | null = null): TaskEnvelope {
  return {
    headers: {
      lang: 'js',
      task: 'ts.add',
      id,
      root_id: id,
      parent_id: null,
      group: null,
      eta,
      expires: null,
      retries: 0,
      timelimit: [null, null],
      origin: 'test',
      version: ENVELOPE_VERSION,
    },
    properties: {
      correlation_id: id,
      content_type: 'application/json',
      content_encoding: 'utf-8',
      priority: 0,
      delivery_info: { routing_key: 'q' },
    },
    body: [[2, 3], { k: 1 }, { callbacks: null, errbacks: null, chain: null, chord: null }],
  };
}

/** A Celery message as kombu stores it, with the eta header given. */
function celeryMessage(queue: string, eta: string): string {
  const id = randomUUID();
  return JSON.stringify({
    body: Buffer.from(JSON.stringify([[1], {}, {}])).toString('base64'),
    'content-encoding': 'utf-8',
    'content-type': 'application/json',
    headers: { lang: 'py', task: 'tasks.x', id, eta, retries: 0, timelimit: [null, null], root_id: id },
    properties: {
      correlation_id: id,
      delivery_mode: 2,
      delivery_info: { exchange: '', routing_key: queue },
      priority: 0,
      body_encoding: 'base64',
      delivery_tag: randomUUID(),
    },
  });
}

describeRedis('Celery mode: kombu layout in Redis', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup(visibilityTimeout = 3600): Promise<{ broker: KombuRedisBroker; redis: Redis; g: string }> {
    const g = uniquePrefix();
    const broker = new KombuRedisBroker({ url: redisUrl(), globalKeyPrefix: g, visibilityTimeout });
    const redis = adminClient();
    cleanups.push(
      () => deleteKeys(g),
      async () => redis.disconnect(),
      () => broker.close(),
    );
    await broker.connect();
    return { broker, redis, g };
  }

  it("publishes kombu's envelope, LPUSHed to the list of kombu priority 9 − n, and declares the binding", async () => {
    const { broker, redis, g } = await setup();
    const id = randomUUID();
    await broker.publish([{ id, queue: 'q', body: JSON.stringify(envelope(id)), priority: 7 }]);
    expect(await redis.smembers(`${g}_kombu.binding.q`)).toEqual([`q${SEP}${SEP}q`]);
    // Celeriac 7 → kombu 2 → step 0, the plain list.
    const [text] = await redis.lrange(`${g}q`, 0, -1);
    const message = JSON.parse(text!);
    expect(message).toMatchObject({
      'content-encoding': 'utf-8',
      'content-type': 'application/json',
      headers: { task: 'ts.add', id, lang: 'js', argsrepr: '[2,3]' },
      properties: {
        correlation_id: id,
        delivery_mode: 2,
        delivery_info: { exchange: '', routing_key: 'q' },
        priority: 2,
        body_encoding: 'base64',
        delivery_tag: expect.any(String),
      },
    });
    expect(JSON.parse(Buffer.from(message.body, 'base64').toString())).toEqual([
      [2, 3],
      { k: 1 },
      { callbacks: null, errbacks: null, chain: null, chord: null },
    ]);
    await broker.publish([{ id: randomUUID(), queue: 'q', body: '{}', priority: 0 }]);
    expect(await redis.llen(`${g}q${SEP}9`)).toBe(1);
  });

  it('delivers what it published as the same envelope', async () => {
    const { broker } = await setup();
    const id = randomUUID();
    await broker.publish([{ id, queue: 'q', body: JSON.stringify(envelope(id)), priority: 4 }]);
    const collector = await collectDeliveries(broker, { queues: ['q'], prefetch: 1, autoAck: true });
    const [delivery] = (await collector.waitForCount(1, { timeout: 5000 })) as Delivery[];
    expect(delivery).toMatchObject({ id, priority: 4, redelivered: false });
    const back = decodeEnvelope(delivery!.body);
    expect(back.headers).toMatchObject({ task: 'ts.add', id, root_id: id, retries: 0 });
    expect(back.body).toEqual(envelope(id).body);
    await collector.close();
  });

  it('parks a Celery message whose eta is ahead, whatever the ISO form Python wrote', async () => {
    const { broker, redis, g } = await setup();
    // A whole second an hour ahead, so every form below names the same instant (to the µs).
    const ahead = new Date(Math.floor(Date.now() / 1000) * 1000 + 3600_000);
    const iso = ahead.toISOString();
    const forms = [
      `${iso.slice(0, 19)}.000123+00:00`, // aware, microseconds (rounded up: never early)
      iso.slice(0, 19), // naive: UTC for Celery
      iso, // Z
      `${new Date(ahead.getTime() + 3600_000).toISOString().slice(0, 19)}+01:00`, // another zone
    ];
    const past = celeryMessage('q', new Date(Date.now() - 1000).toISOString().slice(0, 19));
    await redis.lpush(`${g}q`, ...forms.map((eta) => celeryMessage('q', eta)), past);
    const collector = await collectDeliveries(broker, { queues: ['q'], prefetch: 5, autoAck: true });
    await collector.waitForCount(1, { timeout: 5000 });
    await expect.poll(() => broker.stats('q')).toEqual({ ready: 0, delayed: 4, unacked: 0, dead: 0 });
    const scores = (await redis.zrange(`${g}celeriac:celery:q:delayed`, '0', '-1', 'WITHSCORES')).filter(
      (_, i) => i % 2,
    );
    for (const score of scores) expect(Math.abs(Number(score) - ahead.getTime())).toBeLessThanOrEqual(1);
    await collector.close();
  });

  it("restores an expired unacked delivery as kombu does: marked redelivered, RPUSHed to the queue's plain list", async () => {
    const { broker, redis, g } = await setup(1);
    const tag = randomUUID();
    const message = JSON.parse(celeryMessage('q', ''));
    message.headers.eta = null;
    message.properties.delivery_tag = tag;
    message.properties.priority = 9;
    // A Celery worker took it 5 s ago and died.
    await redis.hset(`${g}unacked`, tag, JSON.stringify([message, '', 'q']));
    await redis.zadd(`${g}unacked_index`, Date.now() / 1000 - 5, tag);
    expect((await broker.stats('q')).unacked).toBe(1);
    const collector = await collectDeliveries(broker, { queues: ['q'], prefetch: 1 });
    const [delivery] = await collector.waitForCount(1, { timeout: 5000 });
    expect(delivery).toMatchObject({ id: message.headers.id, redelivered: true, priority: 0 });
    expect(await redis.hget(`${g}unacked`, tag)).toContain('"redelivered":true');
    await collector.ack(delivery!);
    expect(await redis.hlen(`${g}unacked`)).toBe(0);
    expect(await redis.zcard(`${g}unacked_index`)).toBe(0);
    expect(await redis.exists(`${g}unacked_mutex`)).toBe(0);
    await collector.close();
  });
});
