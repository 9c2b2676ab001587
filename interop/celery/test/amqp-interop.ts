import { Celeriac, type CeleriacOptions } from '@celeriac/core';
import amqplib from 'amqplib';
import { describe } from 'vitest';
import { type CeleryEnv, type CeleryWorker, celeryMissing, startCeleryWorker, uniqueQueue } from './python.ts';

/** RabbitMQ and Redis of the AMQP interop tests (both sides connect to the same ones). */
export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0';

// Workers log `worker online` at info and failed tasks at warn: expected here, so not printed.
process.env.CELERIAC_LOG_LEVEL ??= 'error';

/** `describe`, skipped with the reason in its title when Debian's python3-celery is missing. */
export function describeInterop(name: string, body: () => void): void {
  describe.skipIf(celeryMissing !== '')(celeryMissing === '' ? name : `${name} (skipped: ${celeryMissing})`, body);
}

/**
 * One test's side-by-side setup over RabbitMQ: a queue the Python worker consumes (`tasks.*`), a
 * queue Celeriac workers consume (`ts.*`), each side routing the other's tasks there, and
 * everything it started closed and deleted by `close()`.
 */
export class AmqpInterop {
  /** Consumed by the Python worker: Celeriac apps route `tasks.*` here. */
  readonly pyQueue: string;
  /** Consumed by Celeriac workers (the apps' default queue): Python routes `ts.*` here. */
  readonly tsQueue: string;
  /** What the Python worker and client connect to. */
  readonly env: CeleryEnv;
  readonly #apps: Celeriac[] = [];
  readonly #pythonWorkers: CeleryWorker[] = [];

  constructor(label: string) {
    this.pyQueue = uniqueQueue(`${label}-py`);
    this.tsQueue = uniqueQueue(`${label}-ts`);
    this.env = {
      brokerUrl: AMQP_URL,
      backendUrl: REDIS_URL,
      queue: this.pyQueue,
      extra: { CELERY_TS_QUEUE: this.tsQueue },
    };
  }

  /** A Celeriac app speaking Celery's protocol on RabbitMQ, with Celery's Redis results. */
  app(options: CeleriacOptions = {}): Celeriac {
    const app = new Celeriac({
      broker: AMQP_URL,
      backend: REDIS_URL,
      protocol: 'celery',
      defaultQueue: this.tsQueue,
      routes: { 'tasks.*': { queue: this.pyQueue } },
      ...options,
    });
    this.#apps.push(app);
    return app;
  }

  /** A real `celery worker` on the Python queue, stopped by `close()`. */
  async pythonWorker(): Promise<CeleryWorker> {
    const worker = await startCeleryWorker(this.env);
    this.#pythonWorkers.push(worker);
    return worker;
  }

  async close(): Promise<void> {
    await Promise.all(this.#pythonWorkers.map((worker) => worker.stop()));
    await Promise.all(this.#apps.map((app) => app.close()));
    await deleteCeleryQueues([this.pyQueue, this.tsQueue]);
  }
}

/** Delete what either side declared for `queues`: the queue, its exchange, dead letters and delay buckets. */
export async function deleteCeleryQueues(queues: readonly string[]): Promise<void> {
  const connection = await amqplib.connect(AMQP_URL);
  try {
    const channel = await connection.createChannel();
    for (const queue of queues) {
      const names = [
        queue,
        `${queue}.dlq`,
        ...Array.from({ length: 32 }, (_, level) => `${queue}.delay.${2 ** level}ms`),
      ];
      // RabbitMQ deletes a missing queue or exchange without complaint.
      for (const name of names) await channel.deleteQueue(name);
      await channel.deleteExchange(queue);
    }
  } finally {
    await connection.close();
  }
}

/** Poll `condition` every 50 ms until it holds, or fail after `timeoutMs`. */
export async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
