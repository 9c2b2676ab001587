import { createServer } from 'node:net';
import { expect, it } from 'vitest';
import { AmqpBroker } from '../src/index.ts';

/** A local port with nothing listening on it (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function expectConnectionError(error: unknown, port: number): void {
  expect(error).toMatchObject({ name: 'BrokerConnectionError', code: 'BROKER_CONNECTION' });
  const { message } = error as Error;
  expect(message).toContain(`amqp://celeriac:****@127.0.0.1:${port}`);
  expect(message).not.toContain('s3cret');
}

// Needs no RabbitMQ: the point is that there is none.
it('rejects publish with BrokerConnectionError naming the masked URL once publishTimeout runs out', async () => {
  const port = await closedPort();
  const broker = new AmqpBroker({ url: `amqp://celeriac:s3cret@127.0.0.1:${port}`, publishTimeout: 400 });
  try {
    const started = Date.now();
    const error = await broker.publish([{ id: 'a', queue: 'q', body: '{}', priority: 0 }]).catch((e: unknown) => e);
    const waited = Date.now() - started;
    expectConnectionError(error, port);
    expect(waited).toBeGreaterThanOrEqual(390);
    expect(waited).toBeLessThan(2000);
    expect((error as Error).message).toMatch(/within 400 ms: .*ECONNREFUSED/);
  } finally {
    await broker.close();
  }
});

it('rejects connect the same way, and reports no unhandled errors while it retries', async () => {
  const port = await closedPort();
  const reported: Error[] = [];
  const broker = new AmqpBroker({
    url: `amqp://celeriac:s3cret@127.0.0.1:${port}`,
    publishTimeout: 300,
    onError: (error) => reported.push(error),
  });
  try {
    expectConnectionError(await broker.connect().catch((e: unknown) => e), port);
    for (const error of reported) expect(error.message).not.toContain('s3cret');
  } finally {
    await broker.close();
  }
});

it('rejects broadcast the same way: broadcasts go without confirms, not without a connection', async () => {
  const port = await closedPort();
  const broker = new AmqpBroker({ url: `amqp://celeriac:s3cret@127.0.0.1:${port}`, publishTimeout: 300 });
  try {
    expectConnectionError(await broker.broadcast('events', { events: [] }).catch((e: unknown) => e), port);
  } finally {
    await broker.close();
  }
});
