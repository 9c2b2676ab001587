import { Queue, Worker } from 'bullmq';
import { quantile, report, round } from './report.ts';

/**
 * The scenarios of celeriac-scenarios.ts done with BullMQ on the same Redis, as a BullMQ user
 * would write them: `queue.add` / `addBulk`, one `Worker` with `concurrency`, results kept as
 * BullMQ does by default (the completed job keeps its `returnvalue`; removeOnComplete is off).
 */
export interface BullTarget {
  system: string;
  /** Redis URL. */
  url: string;
  /** Remove every key under a BullMQ prefix. */
  cleanup: (prefix: string) => Promise<void>;
}

let runId = 0;

function makeQueue(target: BullTarget): { queue: Queue; prefix: string; name: string } {
  const prefix = `bench-bullmq-${process.pid}-${runId++}`;
  const name = 'bench';
  return { queue: new Queue(name, { connection: { url: target.url }, prefix }), prefix, name };
}

function makeWorker(
  target: BullTarget,
  name: string,
  prefix: string,
  concurrency: number,
  processor: (data: unknown) => unknown,
): Worker {
  const worker = new Worker(name, async (job) => processor(job.data), {
    connection: { url: target.url, maxRetriesPerRequest: null },
    prefix,
    concurrency,
  });
  worker.on('error', (error) => process.stderr.write(`bullmq worker error: ${error.message}\n`));
  return worker;
}

async function finish(target: BullTarget, queue: Queue, prefix: string, worker?: Worker): Promise<void> {
  await worker?.close();
  await queue.close();
  await target.cleanup(prefix);
}

/** Adds `count` jobs one `queue.add()` at a time (awaiting each), then with addBulk in batches of 1000. */
export async function bullEnqueueRate(target: BullTarget, count: number): Promise<void> {
  const { queue, prefix } = makeQueue(target);
  await queue.waitUntilReady();
  let start = performance.now();
  for (let i = 0; i < count; i++) await queue.add('noop', {});
  let seconds = (performance.now() - start) / 1000;
  report({
    system: target.system,
    scenario: 'enqueue',
    metric: 'delay_per_s',
    value: Math.round(count / seconds),
    unit: 'tasks/s',
    count,
  });
  await queue.obliterate({ force: true });
  const batch = 1000;
  start = performance.now();
  for (let i = 0; i < count; i += batch) {
    await queue.addBulk(Array.from({ length: Math.min(batch, count - i) }, () => ({ name: 'noop', data: {} })));
  }
  seconds = (performance.now() - start) / 1000;
  report({
    system: target.system,
    scenario: 'enqueue',
    metric: 'apply_bulk_per_s',
    value: Math.round(count / seconds),
    unit: 'tasks/s',
    count,
    batch,
  });
  await finish(target, queue, prefix);
}

/** Processes `count` pre-added no-op jobs with one Worker at `concurrency` (returnvalue kept). */
export async function bullProcessRate(target: BullTarget, count: number, concurrency: number): Promise<void> {
  const { queue, prefix, name } = makeQueue(target);
  for (let i = 0; i < count; i += 1000) {
    await queue.addBulk(Array.from({ length: Math.min(1000, count - i) }, () => ({ name: 'noop', data: {} })));
  }
  let done = 0;
  let resolveDone!: () => void;
  const allDone = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  const start = performance.now();
  const worker = makeWorker(target, name, prefix, concurrency, () => null);
  worker.on('completed', () => {
    if (++done === count) resolveDone();
  });
  await allDone;
  const seconds = (performance.now() - start) / 1000;
  report({
    system: target.system,
    scenario: 'process',
    metric: 'processed_per_s',
    value: Math.round(count / seconds),
    unit: 'tasks/s',
    count,
    concurrency,
  });
  await finish(target, queue, prefix, worker);
}

/** Latency from `queue.add()` to job start, at a steady `rate` per second for `seconds` (concurrency 50). */
export async function bullLatency(target: BullTarget, rate: number, seconds: number): Promise<void> {
  const { queue, prefix, name } = makeQueue(target);
  const samples: number[] = [];
  const worker = makeWorker(target, name, prefix, 50, (data) => {
    samples.push(performance.now() - (data as { sentAt: number }).sentAt);
    return null;
  });
  await Promise.all([queue.waitUntilReady(), worker.waitUntilReady()]);
  const total = rate * seconds;
  const interval = 1000 / rate;
  const start = performance.now();
  const sends: Promise<unknown>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    sends.push(queue.add('probe', { sentAt: performance.now() }));
  }
  await Promise.all(sends);
  const deadline = performance.now() + 10_000;
  while (samples.length < total && performance.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 10));
  const details = { rate, count: samples.length };
  report({
    system: target.system,
    scenario: 'latency',
    metric: 'p50_ms',
    value: round(quantile(samples, 0.5), 3),
    unit: 'ms',
    ...details,
  });
  report({
    system: target.system,
    scenario: 'latency',
    metric: 'p99_ms',
    value: round(quantile(samples, 0.99), 3),
    unit: 'ms',
    ...details,
  });
  await finish(target, queue, prefix, worker);
}
