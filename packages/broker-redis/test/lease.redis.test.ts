import { randomUUID } from 'node:crypto';
import type { Delivery } from '@celeriac/core';
import { collectDeliveries, uniqueQueue, waitFor } from '@celeriac/core/testing';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { RedisBroker } from '../src/index.ts';
import { deleteKeys, describeRedis, redisUrl, uniquePrefix } from './helpers.ts';

function message(queue: string) {
  const id = randomUUID();
  return { id, queue, body: JSON.stringify({ id }), priority: 0 };
}

describeRedis('leases (visibilityTimeout: 1)', () => {
  let prefix: string;
  let brokers: RedisBroker[] = [];
  const broker = async (): Promise<RedisBroker> => {
    const created = new RedisBroker({ url: redisUrl(), prefix, visibilityTimeout: 1 });
    brokers.push(created);
    await created.connect();
    return created;
  };

  beforeEach(() => {
    prefix = uniquePrefix();
  });
  afterEach(async () => {
    await Promise.all(brokers.map((b) => b.close()));
    brokers = [];
    await deleteKeys(prefix);
  });

  it('gives a delivery that is neither acked nor renewed to another consumer, marked redelivered', async () => {
    const queue = uniqueQueue('lease');
    const [dead, alive] = [await broker(), await broker()];
    const sent = message(queue);
    await dead.publish([sent]);
    // The "dead" worker takes the message and never settles or renews it.
    const crashed = await collectDeliveries(dead, { queues: [queue], prefetch: 1 });
    const [lost] = await crashed.waitForCount(1);
    expect(lost?.redelivered).toBe(false);
    const rescuer = await collectDeliveries(alive, { queues: [queue], prefetch: 1 });
    const start = Date.now();
    const [again] = await rescuer.waitForCount(1, { timeout: 5000 });
    expect(Date.now() - start).toBeGreaterThanOrEqual(900);
    expect(again).toMatchObject({ id: sent.id, body: sent.body, redelivered: true });
    // The stale delivery cannot settle the message now held by the rescuer.
    await dead.ack(lost!);
    expect(await alive.stats(queue)).toMatchObject({ ready: 0, unacked: 1 });
    await rescuer.ack(again!);
    expect(await alive.stats(queue)).toEqual({ ready: 0, delayed: 0, unacked: 0, dead: 0 });
  });

  it('keeps a delivery whose lease is renewed, for several lease lengths', async () => {
    const queue = uniqueQueue('lease');
    const [holder, other] = [await broker(), await broker()];
    const sent = message(queue);
    await holder.publish([sent]);
    const held = await collectDeliveries(holder, { queues: [queue], prefetch: 1 });
    const [delivery] = await held.waitForCount(1);
    const watcher = await collectDeliveries(other, { queues: [queue], prefetch: 5, autoAck: true });
    // Renew as a worker does, every third of the lease, for three leases.
    const until = Date.now() + 3000;
    const renewals: Delivery[] = [delivery!];
    while (Date.now() < until) {
      await holder.extendLease(renewals);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const sentinel = message(queue);
    await holder.publish([sentinel]);
    await waitFor(() => watcher.ids.includes(sentinel.id), { timeout: 5000 });
    expect(watcher.ids).toEqual([sentinel.id]);
    expect(held.deliveries).toHaveLength(1);
    await held.ack(delivery!);
    expect(await holder.stats(queue)).toEqual({ ready: 0, delayed: 0, unacked: 0, dead: 0 });
  });
});
