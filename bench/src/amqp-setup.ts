import { AmqpBroker } from '@celeriac/broker-amqp';
import { RedisBackend } from '@celeriac/broker-redis';
import { deleteKeysUnder } from '@celeriac/broker-redis/testing';
import { Celeriac, type CeleriacOptions } from '@celeriac/core';
import amqplib from 'amqplib';
import { pino } from 'pino';
import { quantile } from './report.ts';

/** What the AMQP bench's scenarios share: the servers, the sizes, and how to set up and clean up. */
export const url = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
export const CONCURRENCY = 50;
export const PREFETCH = 200;
const silent = pino({ level: 'silent' });
let sequence = 0;

/** A body the size of a Celeriac no-op task's envelope, so both sides move the same bytes. */
export const RAW_BODY = Buffer.from(
  JSON.stringify({
    headers: { lang: 'js', task: 'bench.noop', id: '00000000-0000-0000-0000-000000000000', retries: 0 },
    properties: { correlation_id: '00000000-0000-0000-0000-000000000000', priority: 0 },
    body: [[], {}, { callbacks: null, errbacks: null, chain: null, chord: null }],
    padding: 'x'.repeat(200),
  }),
);

export function prefix(): string {
  return `bench-${process.pid}-${sequence++}.`;
}

export async function deleteQueues(names: readonly string[]): Promise<void> {
  const connection = await amqplib.connect(url);
  const channel = await connection.createChannel();
  for (const name of names) await channel.deleteQueue(name).catch(() => undefined);
  await connection.close();
}

/** A Celeriac app on RabbitMQ, with results in Redis or nowhere. */
export function celeriacApp(
  results: boolean,
  maxPriority = 10,
): {
  app: Celeriac;
  broker: AmqpBroker;
  close: () => Promise<void>;
} {
  const broker = new AmqpBroker({ url, queuePrefix: prefix(), maxPriority });
  const backend = results ? new RedisBackend({ url: redisUrl, prefix: `bench:${broker.topology.prefix}` }) : null;
  const options: CeleriacOptions = { broker, backend, logger: silent, defaultQueue: 'bench' };
  const app = new Celeriac(options);
  const close = async (): Promise<void> => {
    await app.close();
    await broker.close();
    await backend?.close();
    if (backend !== null) await deleteKeysUnder(redisUrl, `bench:${broker.topology.prefix}`);
    await deleteQueues([...broker.declared].filter((name) => !name.includes('celeriac.')));
    const connection = await amqplib.connect(url);
    const channel = await connection.createChannel();
    for (const name of broker.topology.exchanges) await channel.deleteExchange(name).catch(() => undefined);
    await connection.close();
  };
  return { app, broker, close };
}

export function summary(values: number[]): { median: number; min: number; max: number; spread: string } {
  const median = quantile(values, 0.5);
  const min = Math.min(...values);
  const max = Math.max(...values);
  return { median, min, max, spread: `${Math.round(((max - min) / median) * 100)}%` };
}
