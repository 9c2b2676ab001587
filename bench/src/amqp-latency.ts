import { setTimeout as sleep } from 'node:timers/promises';
import amqplib from 'amqplib';
import { CONCURRENCY, celeriacApp, deleteQueues, prefix, RAW_BODY, rounds, summary, url } from './amqp-setup.ts';
import { type StallWatch, watchMachineStalls } from './machine-stalls.ts';
import { quantile, report, round } from './report.ts';

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

export async function benchAmqpLatency(): Promise<void> {
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
