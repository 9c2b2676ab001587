import { benchAmqp } from './amqp-bench.ts';
import { type CeleriacTarget, enqueueRate, latency, processRate } from './celeriac-scenarios.ts';
import { benchPipeline } from './pipeline-bench.ts';
import { benchRedis } from './redis.ts';

/**
 * `npm run bench -- memory` (or `redis`, `amqp`, `pipeline`, `all`): prints one JSON line per figure.
 * BENCH_TASKS sets the task count of the throughput scenarios.
 */
const which = process.argv[2] ?? 'memory';
const count = Number(process.env.BENCH_TASKS ?? 100_000);

const memory: CeleriacTarget = {
  system: 'celeriac-memory',
  options: () => ({ broker: `memory://bench-${process.pid}` }),
};

async function benchMemory(): Promise<void> {
  await enqueueRate(memory, count);
  await processRate(memory, Math.min(count, 20_000), 1);
  await processRate(memory, count, 50);
  await latency(memory, 1000, 3);
}

const suites: Record<string, () => Promise<void>> = {
  memory: benchMemory,
  amqp: benchAmqp,
  redis: () => benchRedis(count),
  pipeline: benchPipeline,
};
const selected = which === 'all' ? Object.keys(suites) : [which];
for (const name of selected) {
  const suite = suites[name];
  if (suite === undefined) {
    console.error(`Unknown benchmark "${name}": use one of ${Object.keys(suites).join(', ')} or all.`);
    process.exit(2);
  }
  await suite();
}
