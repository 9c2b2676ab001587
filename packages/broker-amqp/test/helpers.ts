import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { startServiceContainer } from '@celeriac/broker-redis/testing';
import { maskUrl } from '@celeriac/core';
import amqplib from 'amqplib';
import { describe } from 'vitest';
import type { AmqpBroker } from '../src/index.ts';

/**
 * The RabbitMQ the tests run against: `AMQP_URL`, else amqp://guest:guest@127.0.0.1:5672. When
 * nothing answers there: under `CI=true` the run fails; otherwise a RabbitMQ container is started
 * with testcontainers when it is installed and Docker works; otherwise the AMQP tests are
 * skipped, loudly.
 */
const configured = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

async function answers(url: string): Promise<boolean> {
  try {
    const connection = await amqplib.connect(url, { timeout: 2000 });
    await connection.close();
    return true;
  } catch {
    return false;
  }
}

async function resolveRabbit(): Promise<{ url: string | undefined; reason: string }> {
  if (await answers(configured)) return { url: configured, reason: '' };
  const nothing = `no RabbitMQ answers at ${maskUrl(configured)}`;
  if (process.env.CI === 'true') {
    throw new Error(`${nothing}, and CI=true: start RabbitMQ or set AMQP_URL; AMQP tests must not be skipped in CI.`);
  }
  const container = await startServiceContainer({
    service: 'RabbitMQ',
    image: 'rabbitmq:3-alpine',
    port: 5672,
    url: (host, port) => `amqp://guest:guest@${host}:${port}`,
  });
  if (container.url !== undefined) return { url: container.url, reason: '' };
  const reason = `${nothing} and ${container.reason}`;
  console.warn(`\n⚠ @celeriac/broker-amqp: skipping the AMQP tests: ${reason}. Set AMQP_URL to run them.\n`);
  return { url: undefined, reason };
}

/** True when a Redis answers PING at `url` (a raw socket: this package does not depend on ioredis). */
async function redisAnswers(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || 6379), timeout: 1000 });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => done(data.toString().startsWith('+PONG')));
    socket.on('error', () => done(false));
    socket.on('timeout', () => done(false));
  });
}

const rabbit = await resolveRabbit();
const configuredRedis = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisReason =
  rabbit.url === undefined || (await redisAnswers(configuredRedis))
    ? ''
    : `no Redis answers at ${maskUrl(configuredRedis)} (the end-to-end tests keep results in Redis)`;
if (redisReason !== '') {
  if (process.env.CI === 'true') throw new Error(`${redisReason}, and CI=true: start Redis or set REDIS_URL.`);
  console.warn(`\n⚠ @celeriac/broker-amqp: skipping the end-to-end tests: ${redisReason}.\n`);
}

/** The Redis of the end-to-end tests' result backend (only call it inside `describeAmqp(…, { redis: true })`). */
export function redisUrl(): string {
  return configuredRedis;
}

/** The URL of the RabbitMQ under test (only call it inside `describeAmqp`). */
export function amqpUrl(): string {
  if (rabbit.url === undefined) throw new Error(`No RabbitMQ for tests: ${rabbit.reason}`);
  return rabbit.url;
}

/** True when the server under test is the local one `rabbitmqctl` controls (restart tests need it). */
export function isLocalRabbit(): boolean {
  return rabbit.url !== undefined && /@(127\.0\.0\.1|localhost)(:5672)?(\/|$)/.test(rabbit.url);
}

/**
 * `describe` that is skipped, with the reason in its title, when no RabbitMQ is available, or
 * (with `redis: true`, for suites keeping results in Redis) no Redis.
 */
export function describeAmqp(name: string, body: () => void, options: { redis?: boolean } = {}): void {
  const reason = rabbit.url === undefined ? rabbit.reason : options.redis === true ? redisReason : '';
  describe.skipIf(reason !== '')(reason === '' ? name : `${name} (skipped: ${reason})`, body);
}

/** A queue prefix no other test uses. */
export function uniquePrefix(): string {
  return `celeriac-test-${randomBytes(5).toString('hex')}.`;
}

/** A plain amqplib connection for a test to inspect or publish by hand; close it after the test. */
export function adminConnection(): Promise<amqplib.ChannelModel> {
  return amqplib.connect(amqpUrl());
}

/** Delete queues and exchanges by name (missing ones are fine), on one short-lived connection. */
export async function deleteNames(names: Iterable<string>): Promise<void> {
  const connection = await adminConnection();
  const open = async (): Promise<amqplib.Channel> => {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    return channel;
  };
  try {
    let channel = await open();
    for (const name of names) {
      const isExchange = /celeriac\.(delay\.|broadcast$)/.test(name);
      try {
        // RabbitMQ deletes a missing queue or exchange without complaint.
        await (isExchange ? channel.deleteExchange(name) : channel.deleteQueue(name));
      } catch {
        channel = await open();
      }
    }
  } finally {
    await connection.close();
  }
}

/** Delete what `broker` declared (its queues, dead-letter queues, buckets and exchanges). */
export async function cleanupBroker(broker: AmqpBroker): Promise<void> {
  await deleteNames(broker.declared);
}

const run = promisify(execFile);

/** Run `rabbitmqctl` with `args` (the restart tests drive the real server). */
export async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', args, { timeout: 120_000 });
  return stdout;
}

/**
 * Delete every queue and exchange whose name starts with `prefix`, found with `rabbitmqctl`
 * (also what child processes declared). About half a second per call: use it once per file.
 */
export async function deleteByPrefix(prefix: string): Promise<void> {
  const queues = (await rabbitmqctl('list_queues', 'name', '--quiet', '--no-table-headers')).split('\n');
  const exchanges = (await rabbitmqctl('list_exchanges', 'name', '--quiet', '--no-table-headers')).split('\n');
  const names = [...queues, ...exchanges].map((line) => line.trim()).filter((name) => name.startsWith(prefix));
  if (names.length > 0) await deleteNames(names);
}
