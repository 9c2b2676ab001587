import { Celeriac, type CeleriacOptions } from '@celeriac/core';
import { pino } from 'pino';
import { quantile, report, round } from './report.ts';

/** How one broker is set up for a run: a fresh app per scenario, with its own queue. */
export interface CeleriacTarget {
  system: string;
  options: (queue: string) => CeleriacOptions;
  /** Remove what a scenario left behind (queues, keys). */
  cleanup?: (queue: string) => Promise<void>;
}

const silent = pino({ level: 'silent' });
let runId = 0;

function makeApp(target: CeleriacTarget): { app: Celeriac; queue: string } {
  const queue = `bench-${process.pid}-${runId++}`;
  return { app: new Celeriac({ logger: silent, defaultQueue: queue, ...target.options(queue) }), queue };
}

async function finish(target: CeleriacTarget, app: Celeriac, queue: string): Promise<void> {
  await app.close();
  await target.cleanup?.(queue);
}

/** Publishes `count` no-op tasks one `delay()` at a time (awaiting each), then with applyBulk. */
export async function enqueueRate(target: CeleriacTarget, count: number): Promise<void> {
  const { app, queue } = makeApp(target);
  const noop = app.task('bench.noop', () => null);
  await app.connect();
  let start = performance.now();
  for (let i = 0; i < count; i++) await noop.delay();
  let seconds = (performance.now() - start) / 1000;
  report({
    system: target.system,
    scenario: 'enqueue',
    metric: 'delay_per_s',
    value: Math.round(count / seconds),
    unit: 'tasks/s',
    count,
  });
  await (await app.broker()).purge(queue);
  const batch = 1000;
  start = performance.now();
  for (let i = 0; i < count; i += batch)
    await noop.applyBulk(Array.from({ length: Math.min(batch, count - i) }, () => []));
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
  await (await app.broker()).purge(queue);
  await finish(target, app, queue);
}

/** Processes `count` pre-published no-op tasks (results stored, events emitted) at `concurrency`. */
export async function processRate(target: CeleriacTarget, count: number, concurrency: number): Promise<void> {
  const { app, queue } = makeApp(target);
  const noop = app.task('bench.noop', () => null);
  for (let i = 0; i < count; i += 1000)
    await noop.applyBulk(Array.from({ length: Math.min(1000, count - i) }, () => []));
  let done = 0;
  let resolveDone!: () => void;
  const allDone = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  const worker = app.worker({ concurrency, prefetchMultiplier: concurrency === 1 ? 1 : 4 });
  // Counted in process, as BullMQ's side counts its Worker's `completed` events; the events are
  // still broadcast to the cluster through the broker.
  worker.on('task-succeeded', () => {
    if (++done === count) resolveDone();
  });
  const start = performance.now();
  await worker.start();
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
  await finish(target, app, queue);
}

/** Latency from `delay()` to task start, at a steady `rate` per second for `seconds`. */
export async function latency(target: CeleriacTarget, rate: number, seconds: number): Promise<void> {
  const { app, queue } = makeApp(target);
  const samples: number[] = [];
  const probe = app.task('bench.probe', (sentAt: number) => {
    samples.push(performance.now() - sentAt);
    return null;
  });
  const worker = app.worker({ concurrency: 50 });
  await worker.start();
  const total = rate * seconds;
  const interval = 1000 / rate;
  const start = performance.now();
  const sends: Promise<unknown>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    sends.push(probe.delay(performance.now()));
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
  await finish(target, app, queue);
}
