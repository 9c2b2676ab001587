import { cpus, loadavg } from 'node:os';
import { RedisBackend, RedisBroker } from '@celeriac/broker-redis';
import { deleteKeysUnder } from '@celeriac/broker-redis/testing';
import { Redis } from 'ioredis';
import { type BullTarget, bullEnqueueRate, bullLatency, bullProcessRate } from './bullmq-scenarios.ts';
import { type CeleriacTarget, enqueueRate, latency, processRate } from './celeriac-scenarios.ts';
import { collect, type Figure, report, round } from './report.ts';

/**
 * `npm run bench -- redis`: Celeriac's Redis broker and backend against BullMQ on the same Redis
 * (REDIS_URL, default redis://127.0.0.1:6379), in the same run. Each scenario runs once per system
 * per round, the systems taking turns to go first; BENCH_ROUNDS rounds (default 3). Prints the
 * median of the rounds as one JSON line per figure (with min, max and the spread), then the
 * `ratio` lines the targets are about.
 *
 * Counts: enqueue and processing at concurrency 1 use min(BENCH_TASKS, 20,000) tasks, processing
 * at concurrency 50 uses BENCH_TASKS (default 100,000); latency is 1,000 tasks/s for 3 s.
 */
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);

/** Celeriac on Redis: a broker and a backend under a prefix of their own per scenario run. */
function celeriacRedis(): CeleriacTarget {
  const open = new Map<string, { broker: RedisBroker; backend: RedisBackend; prefix: string }>();
  return {
    system: 'celeriac-redis',
    options: (queue) => {
      const prefix = `bench-celeriac:${queue}:`;
      const broker = new RedisBroker({ url, prefix });
      const backend = new RedisBackend({ url, prefix });
      open.set(queue, { broker, backend, prefix });
      return { broker, backend };
    },
    cleanup: async (queue) => {
      const run = open.get(queue);
      if (run === undefined) return;
      open.delete(queue);
      await Promise.all([run.broker.close(), run.backend.close()]);
      await deleteKeysUnder(url, run.prefix);
    },
  };
}

const bullmq: BullTarget = {
  system: 'bullmq',
  url,
  cleanup: (prefix) => deleteKeysUnder(url, `${prefix}:`),
};

interface Scenario {
  name: string;
  celeriac: (target: CeleriacTarget) => Promise<void>;
  bullmq: (target: BullTarget) => Promise<void>;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function keyOf(figure: Figure): string {
  return [figure.system, figure.scenario, figure.metric, figure.concurrency ?? ''].join('|');
}

async function describeMachine(): Promise<void> {
  const client = new Redis(url);
  try {
    const info = await client.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? '?';
    const load = loadavg().map((value) => value.toFixed(2));
    process.stderr.write(
      `redis ${version} at ${url}; ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}); load average ${load.join(' ')}\n`,
    );
  } finally {
    client.disconnect();
  }
}

export async function benchRedis(count: number): Promise<void> {
  await describeMachine();
  // BENCH_REDIS_SCENARIOS="process c1,latency" runs only those (names as in the list below).
  const only = process.env.BENCH_REDIS_SCENARIOS?.split(',').map((name) => name.trim());
  const small = Math.min(count, 20_000);
  const celeriac = celeriacRedis();
  const all: Scenario[] = [
    { name: 'enqueue', celeriac: (t) => enqueueRate(t, small), bullmq: (t) => bullEnqueueRate(t, small) },
    { name: 'process c1', celeriac: (t) => processRate(t, small, 1), bullmq: (t) => bullProcessRate(t, small, 1) },
    { name: 'process c50', celeriac: (t) => processRate(t, count, 50), bullmq: (t) => bullProcessRate(t, count, 50) },
    { name: 'latency', celeriac: (t) => latency(t, 1000, 3), bullmq: (t) => bullLatency(t, 1000, 3) },
  ];
  const scenarios = all.filter((scenario) => only === undefined || only.includes(scenario.name));
  const samples = new Map<string, Figure[]>();
  for (let r = 0; r < rounds; r++) {
    for (const scenario of scenarios) {
      const order = r % 2 === 0 ? (['celeriac', 'bullmq'] as const) : (['bullmq', 'celeriac'] as const);
      for (const system of order) {
        process.stderr.write(`round ${r + 1}/${rounds}: ${scenario.name} (${system})\n`);
        const figures = await collect(() =>
          system === 'celeriac' ? scenario.celeriac(celeriac) : scenario.bullmq(bullmq),
        );
        for (const figure of figures) {
          process.stderr.write(`  ${figure.metric} ${figure.value} ${figure.unit}\n`);
          const list = samples.get(keyOf(figure)) ?? [];
          list.push(figure);
          samples.set(keyOf(figure), list);
        }
      }
    }
  }

  const medians = new Map<string, number>();
  for (const [key, figures] of samples) {
    const values = figures.map((figure) => figure.value);
    const value = median(values);
    medians.set(key, value);
    const min = Math.min(...values);
    const max = Math.max(...values);
    report({
      ...figures[0]!,
      value,
      stat: 'median',
      rounds: values.length,
      min,
      max,
      spread_pct: round(((max - min) / value) * 100, 1),
      values: values.join(','),
    });
  }

  const ratio = (metric: string, concurrency: number | '', target: string, met: (value: number) => boolean) => {
    const ours = medians.get(
      ['celeriac-redis', metric === 'processed_per_s' ? 'process' : 'latency', metric, concurrency].join('|'),
    );
    const theirs = medians.get(
      ['bullmq', metric === 'processed_per_s' ? 'process' : 'latency', metric, concurrency].join('|'),
    );
    if (ours === undefined || theirs === undefined) return;
    const value = round(ours / theirs, 3);
    report({
      system: 'celeriac-redis/bullmq',
      scenario: 'ratio',
      metric: concurrency === '' ? metric : `${metric}_c${concurrency}`,
      value,
      unit: 'x',
      target,
      met: met(value) ? 'yes' : 'no',
    });
  };
  ratio('processed_per_s', 50, '>= 1.5', (value) => value >= 1.5);
  ratio('p99_ms', '', '<= 1', (value) => value <= 1);
}
