import { setTimeout as sleep } from 'node:timers/promises';
import amqplib from 'amqplib';
import { benchAmqpLatency } from './amqp-latency.ts';
import {
  CONCURRENCY,
  celeriacApp,
  deleteQueues,
  PREFETCH,
  prefix,
  RAW_BODY,
  rounds,
  summary,
  url,
} from './amqp-setup.ts';
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
 * - latency (amqp-latency.ts): 1,000 messages/s, from publish (`delay()`) to handler start.
 */
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
