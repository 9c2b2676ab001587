import { createServer, connect as netConnect, type Socket } from 'node:net';
import { BrokerConnectionError, Celeriac } from '@celeriac/core';
import { pino } from 'pino';
import { expect, it } from 'vitest';
import { RedisBroker } from '../src/index.ts';
import { deleteKeys, describeRedis, redisUrl, uniquePrefix } from './helpers.ts';

/** A TCP proxy to the test Redis that can be taken down, as a Redis that goes away would be. */
async function proxy(): Promise<{ url: string; down(): Promise<void> }> {
  const target = new URL(redisUrl());
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = netConnect(Number(target.port || 6379), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${port}`,
    down: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

// Nothing listens on this port; the password must never show in an error.
const DOWN = 'redis://:s3cret-pass@127.0.0.1:6399';

describeRedis('publishing while Redis is unreachable', () => {
  it('rejects with BrokerConnectionError naming the masked URL, within a few seconds', async () => {
    const broker = new RedisBroker({ url: DOWN, onError: () => undefined });
    const start = Date.now();
    const error = await broker.publish([{ id: 'a', queue: 'default', body: '{}', priority: 0 }]).then(
      () => undefined,
      (thrown: unknown) => thrown as Error,
    );
    expect(Date.now() - start).toBeLessThan(6000);
    expect(error).toBeInstanceOf(BrokerConnectionError);
    expect(error?.message).toContain('redis://:****@127.0.0.1:6399');
    expect(error?.message).not.toContain('s3cret');
    await broker.close();
  });

  it('makes task.delay() of an app on that URL reject the same way', async () => {
    const app = new Celeriac({ broker: DOWN, logger: pino({ level: 'silent' }) });
    const add = app.task('math.add', (a: number, b: number) => a + b);
    const start = Date.now();
    const error = await add.delay(1, 2).then(
      () => undefined,
      (thrown: unknown) => thrown as Error & { code?: string },
    );
    expect(Date.now() - start).toBeLessThan(6000);
    expect(error?.code).toBe('BROKER_CONNECTION');
    expect(error?.message).toContain('redis://:****@127.0.0.1:6399');
    expect(error?.message).not.toContain('s3cret');
    await app.close();
  });

  it('rejects within publishTimeout when Redis goes away after the broker connected', async () => {
    const redis = await proxy();
    const prefix = uniquePrefix();
    const broker = new RedisBroker({ url: redis.url, prefix, onError: () => undefined });
    await broker.publish([{ id: 'before', queue: 'default', body: '{}', priority: 0 }]);
    await redis.down();
    const start = Date.now();
    const error = await broker.publish([{ id: 'after', queue: 'default', body: '{}', priority: 0 }]).then(
      () => undefined,
      (thrown: unknown) => thrown as Error,
    );
    expect(Date.now() - start).toBeLessThan(6000);
    expect(error).toBeInstanceOf(BrokerConnectionError);
    expect(error?.message).toMatch(/^Could not publish: Redis at redis:\/\/127\.0\.0\.1:\d+ is unreachable/);
    await broker.close();
    await deleteKeys(prefix);
  });
});
