import { setTimeout as sleep } from 'node:timers/promises';
import { AmqpBroker } from '@celeriac/broker-amqp';
import { RedisBackend } from '@celeriac/broker-redis';
import { deleteKeysUnder } from '@celeriac/broker-redis/testing';
import { Celeriac, type CeleriacOptions } from '@celeriac/core';
import amqplib from 'amqplib';
import { pino } from 'pino';
import { type StallWatch, watchMachineStalls } from './machine-stalls.ts';
import { quantile, report, round } from './report.ts';

/**
 * `npm run bench -- amqp`: Celeriac's AMQP broker against raw amqplib on the same RabbitMQ
 * (AMQP_URL, default amqp://guest:guest@127.0.0.1:5672), in the same run.
 *
 * - process: BENCH_AMQP_TASKS (default 20,000) messages published first, then consumed at
 *   concurrency 50 with prefetch 200 (Celeriac: concurrency 50 × prefetchMultiplier 4). Raw
 *   amqplib publishes persistent messages with confirms to a durable queue and acks each on
 *   arrival; Celeriac runs a no-op task with `ignoreResult` (same work), and again storing results
 *   in Redis (REDIS_URL). BENCH_ROUNDS (default 5) interleaved rounds; the median is reported with
 *   min and max.
 * - enqueue: one publish (raw) or `delay()` (Celeriac) at a time, each awaited until confirmed.
 * - latency: 1,000 messages/s for 3 s, from publish (`delay()`) to handler start, p50 and p99.
 */
const url = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const CONCURRENCY = 50;
const PREFETCH = 200;
const silent = pino({ level: 'silent' });
let sequence = 0;

/** A body the size of a Celeriac no-op task's envelope, so both sides move the same bytes. */
const RAW_BODY = Buffer.from(
  JSON.stringify({
    headers: { lang: 'js', task: 'bench.noop', id: '00000000-0000-0000-0000-000000000000', retries: 0 },
    properties: { correlation_id: '00000000-0000-0000-0000-000000000000', priority: 0 },
    body: [[], {}, { callbacks: null, errbacks: null, chain: null, chord: null }],
    padding: 'x'.repeat(200),
  }),
);

function prefix(): string {
  return `bench-${process.pid}-${sequence++}.`;
}

async function deleteQueues(names: readonly string[]): Promise<void> {
  const connection = await amqplib.connect(url);
  const channel = await connection.createChannel();
  for (const name of names) await channel.deleteQueue(name).catch(() => undefined);
  await connection.close();
}

/**
 * Raw amqplib: publish `count` persistent messages with confirms to a durable queue (a priority
 * queue, as Celeriac declares by default, or a plain one), then consume them with `PREFETCH`.
 */
async function rawProcess(count: number, priorities: boolean): Promise<number> {
  const queue = `${prefix()}raw`;
  const connection = await amqplib.connect(url, { noDelay: true });
  try {
    const publisher = await connection.createConfirmChannel();
    await publisher.assertQueue(queue, { durable: true, arguments: priorities ? { 'x-max-priority': 10 } : {} });
    for (let i = 0; i < count; i++) {
      if (!publisher.sendToQueue(queue, RAW_BODY, { persistent: true, messageId: String(i) })) {
        await new Promise((resolve) => publisher.once('drain', resolve));
      }
    }
    await publisher.waitForConfirms();
    const consumer = await connection.createChannel();
    await consumer.prefetch(PREFETCH);
    let done = 0;
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const start = performance.now();
    await consumer.consume(queue, (message) => {
      if (message === null) return;
      consumer.ack(message);
      if (++done === count) finish();
    });
    await finished;
    return count / ((performance.now() - start) / 1000);
  } finally {
    await connection.close();
    await deleteQueues([queue]);
  }
}

/** A Celeriac app on RabbitMQ, with results in Redis or nowhere. */
function celeriacApp(
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

/** Celeriac: `count` no-op tasks published with applyBulk, then run at concurrency 50. */
async function celeriacProcess(count: number, results: boolean, maxPriority = 10): Promise<number> {
  const { app, close } = celeriacApp(results, maxPriority);
  try {
    const noop = app.task('bench.noop', () => null, { ignoreResult: !results });
    for (let i = 0; i < count; i += 1000) {
      await noop.applyBulk(Array.from({ length: Math.min(1000, count - i) }, () => []));
    }
    const worker = app.worker({ concurrency: CONCURRENCY, prefetchMultiplier: PREFETCH / CONCURRENCY });
    const start = performance.now();
    await worker.start();
    while (worker.processed < count) await sleep(2);
    const rate = count / ((performance.now() - start) / 1000);
    await worker.close();
    return rate;
  } finally {
    await close();
  }
}

async function rawEnqueue(count: number): Promise<number> {
  const queue = `${prefix()}raw-enqueue`;
  const connection = await amqplib.connect(url, { noDelay: true });
  try {
    const channel = await connection.createConfirmChannel();
    await channel.assertQueue(queue, { durable: true });
    const start = performance.now();
    for (let i = 0; i < count; i++) {
      await new Promise<void>((resolve, reject) =>
        channel.sendToQueue(queue, RAW_BODY, { persistent: true }, (error) => (error ? reject(error) : resolve())),
      );
    }
    return count / ((performance.now() - start) / 1000);
  } finally {
    await connection.close();
    await deleteQueues([queue]);
  }
}

async function celeriacEnqueue(count: number): Promise<number> {
  const { app, close } = celeriacApp(false);
  try {
    const noop = app.task('bench.noop', () => null, { ignoreResult: true });
    await app.connect();
    await noop.delay();
    const start = performance.now();
    for (let i = 0; i < count; i++) await noop.delay();
    return count / ((performance.now() - start) / 1000);
  } finally {
    await close();
  }
}

/** Send at `rate`/s for `seconds` with `send(sentAt)`, and wait for the samples to come in. */
async function paced(rate: number, seconds: number, samples: number[], send: (sentAt: number) => unknown) {
  const total = rate * seconds;
  const start = performance.now();
  const sends: unknown[] = [];
  for (let i = 0; i < total; i++) {
    const wait = start + (i * 1000) / rate - performance.now();
    if (wait > 1) await sleep(wait);
    sends.push(send(performance.now()));
  }
  await Promise.all(sends);
  const deadline = performance.now() + 10_000;
  while (samples.length < total && performance.now() < deadline) await sleep(10);
}

/**
 * One second at the same rate, not counted: the figures are of a steady state, not of a cold JIT
 * and a queue RabbitMQ has just created (the first second's p99 is several times the rest's).
 */
async function warmUp(rate: number, samples: number[], send: (sentAt: number) => unknown): Promise<void> {
  await paced(rate, 1, samples, send);
  samples.length = 0;
}

/** A latency round's samples (ms), and this process's CPU per message while they were taken. */
interface LatencyRound {
  samples: number[];
  cpuUsPerTask: number;
}

/** The counted part of a latency round: the machine watch started, CPU time taken around it. */
async function measured(
  rate: number,
  seconds: number,
  samples: number[],
  send: (sentAt: number) => unknown,
  stalls: StallWatch,
): Promise<number> {
  stalls.begin();
  const cpu = process.cpuUsage();
  await paced(rate, seconds, samples, send);
  const { user, system } = process.cpuUsage(cpu);
  return (user + system) / (rate * seconds);
}

async function rawLatency(rate: number, seconds: number, stalls: StallWatch): Promise<LatencyRound> {
  const queue = `${prefix()}raw-latency`;
  const connection = await amqplib.connect(url, { noDelay: true });
  const samples: number[] = [];
  try {
    const publisher = await connection.createConfirmChannel();
    await publisher.assertQueue(queue, { durable: true });
    const consumer = await connection.createChannel();
    await consumer.prefetch(CONCURRENCY);
    await consumer.consume(queue, (message) => {
      if (message === null) return;
      samples.push(performance.now() - Number(message.properties.headers?.sentAt));
      consumer.ack(message);
    });
    const send = (sentAt: number): boolean =>
      publisher.sendToQueue(queue, RAW_BODY, { persistent: true, headers: { sentAt } });
    await warmUp(rate, samples, send);
    const cpuUsPerTask = await measured(rate, seconds, samples, send, stalls);
    await publisher.waitForConfirms();
    return { samples, cpuUsPerTask };
  } finally {
    await connection.close();
    await deleteQueues([queue]);
  }
}

async function celeriacLatency(
  rate: number,
  seconds: number,
  stalls: StallWatch,
  maxPriority = 10,
): Promise<LatencyRound> {
  const { app, close } = celeriacApp(false, maxPriority);
  const samples: number[] = [];
  try {
    const probe = app.task(
      'bench.probe',
      (sentAt: number) => {
        samples.push(performance.now() - sentAt);
        return null;
      },
      { ignoreResult: true },
    );
    const worker = app.worker({ concurrency: CONCURRENCY });
    await worker.start();
    const send = (sentAt: number): Promise<unknown> => probe.delay(sentAt);
    await warmUp(rate, samples, send);
    const cpuUsPerTask = await measured(rate, seconds, samples, send, stalls);
    await worker.close();
    return { samples, cpuUsPerTask };
  } finally {
    await close();
  }
}

function summary(values: number[]): { median: number; min: number; max: number; spread: string } {
  const median = quantile(values, 0.5);
  const min = Math.min(...values);
  const max = Math.max(...values);
  return { median, min, max, spread: `${Math.round(((max - min) / median) * 100)}%` };
}

export async function benchAmqp(): Promise<void> {
  // BENCH_AMQP_SCENARIOS=latency (comma-separated: process, enqueue, latency) runs only those.
  const scenarios = new Set((process.env.BENCH_AMQP_SCENARIOS ?? 'process,enqueue,latency').split(','));
  if (scenarios.has('process')) await benchAmqpProcess();
  if (scenarios.has('enqueue')) await benchAmqpEnqueue();
  if (scenarios.has('latency')) await benchAmqpLatency();
}

async function benchAmqpProcess(): Promise<void> {
  const count = Number(process.env.BENCH_AMQP_TASKS ?? 20_000);
  // Priority queues (Celeriac's default, x-max-priority 10) are consumed about half as fast as
  // plain ones by RabbitMQ itself, so each Celeriac figure has a raw one on the same kind of queue.
  const systems: Record<string, () => Promise<number>> = {
    'amqplib-raw': () => rawProcess(count, false),
    'amqplib-raw-priority-queue': () => rawProcess(count, true),
    'celeriac-amqp': () => celeriacProcess(count, false),
    'celeriac-amqp-maxPriority-0': () => celeriacProcess(count, false, 0),
    'celeriac-amqp+redis-results': () => celeriacProcess(count, true),
  };
  const rates: Record<string, number[]> = Object.fromEntries(Object.keys(systems).map((name) => [name, []]));
  // Interleaved, each system going first in turn: RabbitMQ's disk and this machine's load drift.
  const order = Object.keys(systems);
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < order.length; i++) {
      const system = order[(i + round) % order.length]!;
      rates[system]!.push(await systems[system]!());
    }
  }
  for (const [system, values] of Object.entries(rates)) {
    const { median, min, max, spread } = summary(values);
    report({
      system,
      scenario: 'process',
      metric: 'processed_per_s',
      value: Math.round(median),
      unit: 'tasks/s',
      min: Math.round(min),
      max: Math.round(max),
      spread,
      runs: values.map(Math.round).join(' '),
      count,
      concurrency: CONCURRENCY,
      prefetch: PREFETCH,
    });
  }
  const median = (system: string): number => quantile(rates[system]!, 0.5);
  for (const [system, baseline, target] of [
    ['celeriac-amqp', 'amqplib-raw-priority-queue', '>= 0.7 (same queue kind)'],
    ['celeriac-amqp-maxPriority-0', 'amqplib-raw', '>= 0.7 (same queue kind)'],
    ['celeriac-amqp', 'amqplib-raw', 'reported (priority queue vs plain)'],
    ['celeriac-amqp+redis-results', 'amqplib-raw-priority-queue', 'reported'],
  ] as const) {
    report({
      system,
      scenario: 'process',
      metric: `ratio_to_${baseline}`,
      value: round(median(system) / median(baseline), 3),
      unit: 'x',
      target,
    });
  }
}

async function benchAmqpEnqueue(): Promise<void> {
  const enqueueCount = Math.min(Number(process.env.BENCH_AMQP_TASKS ?? 20_000), 5000);
  report({
    system: 'amqplib-raw',
    scenario: 'enqueue',
    metric: 'publish_confirmed_per_s',
    value: Math.round(await rawEnqueue(enqueueCount)),
    unit: 'msgs/s',
    count: enqueueCount,
  });
  report({
    system: 'celeriac-amqp',
    scenario: 'enqueue',
    metric: 'delay_per_s',
    value: Math.round(await celeriacEnqueue(enqueueCount)),
    unit: 'tasks/s',
    count: enqueueCount,
  });
}

async function benchAmqpLatency(): Promise<void> {
  // A p99 of 3,000 samples is the 30 slowest: one pause of RabbitMQ or of the machine moves it.
  // So latency, too, is the median of interleaved rounds, with the spread, and each round has an
  // idle sibling process timing the machine's own pauses (machine_stall_max_ms).
  const seconds = Number(process.env.BENCH_LATENCY_SECONDS ?? 3);
  const latencySystems: Record<string, (stalls: StallWatch) => Promise<LatencyRound>> = {
    'amqplib-raw': (stalls) => rawLatency(1000, seconds, stalls),
    'celeriac-amqp': (stalls) => celeriacLatency(1000, seconds, stalls),
    'celeriac-amqp-maxPriority-0': (stalls) => celeriacLatency(1000, seconds, stalls, 0),
  };
  type Series = { p50_ms: number[]; p99_ms: number[]; machine_stall_max_ms: number[]; cpu_us_per_task: number[] };
  const latencies: Record<string, Series> = Object.fromEntries(
    Object.keys(latencySystems).map((name) => [
      name,
      { p50_ms: [], p99_ms: [], machine_stall_max_ms: [], cpu_us_per_task: [] },
    ]),
  );
  const latencyOrder = Object.keys(latencySystems);
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < latencyOrder.length; i++) {
      const system = latencyOrder[(i + round) % latencyOrder.length]!;
      const stalls = watchMachineStalls();
      const { samples, cpuUsPerTask } = await latencySystems[system]!(stalls);
      const seen = await stalls.end();
      latencies[system]!.p50_ms.push(quantile(samples, 0.5));
      latencies[system]!.p99_ms.push(quantile(samples, 0.99));
      latencies[system]!.machine_stall_max_ms.push(seen.max);
      latencies[system]!.cpu_us_per_task.push(cpuUsPerTask);
    }
  }
  for (const [system, metrics] of Object.entries(latencies)) {
    for (const [metric, values] of Object.entries(metrics)) {
      const { median, min, max, spread } = summary(values);
      report({
        system,
        scenario: 'latency',
        metric,
        value: round(median, 3),
        unit: metric === 'cpu_us_per_task' ? 'µs' : 'ms',
        min: round(min, 3),
        max: round(max, 3),
        spread,
        runs: values.map((value) => round(value, 2)).join(' '),
        rate: 1000,
        seconds,
        target: metric === 'p99_ms' && system === 'celeriac-amqp' ? '< 3' : '',
      });
    }
  }
}
