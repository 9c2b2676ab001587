import type { ClusterEvent, QueueStats } from '@celeriac/core';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The Celery state each counted task event stands for (`task-progress` is not counted). */
const STATE_OF_EVENT: Record<string, string> = {
  'task-sent': 'PENDING',
  'task-received': 'RECEIVED',
  'task-started': 'STARTED',
  'task-retried': 'RETRY',
  'task-succeeded': 'SUCCESS',
  'task-failed': 'FAILURE',
  'task-revoked': 'REVOKED',
  'task-rejected': 'REJECTED',
};

/** Distinct task names labelled before the rest are counted as `name="other"` (bounded series). */
export const MAX_TASK_NAMES = 1000;

/** What the metrics read from the monitor on each scrape. */
export interface MetricsSource {
  queues(): string[];
  queueStats(queue: string): Promise<QueueStats>;
  workersOnline(): number;
}

/**
 * Prometheus metrics on a private registry (nothing leaks into, or from, prom-client's global one):
 * task counts by name and state and run times from events, queue depths and workers online read
 * at scrape time.
 */
export class MonitorMetrics {
  readonly registry: Registry = new Registry();
  readonly #tasks: Counter<'name' | 'state'>;
  readonly #runtime: Histogram<'name'>;
  readonly #names = new Set<string>();

  constructor(source: MetricsSource) {
    const registers = [this.registry];
    this.#tasks = new Counter({
      name: 'celeriac_tasks_total',
      help: 'Task events seen, by task name and the state they report.',
      labelNames: ['name', 'state'],
      registers,
    });
    this.#runtime = new Histogram({
      name: 'celeriac_task_runtime_seconds',
      help: 'Run time of finished tasks (succeeded or failed), seconds.',
      labelNames: ['name'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
      registers,
    });
    new Gauge({
      name: 'celeriac_queue_depth',
      help: 'Messages per queue, by kind: ready, delayed, unacked, dead.',
      labelNames: ['queue', 'kind'],
      registers,
      async collect() {
        this.reset();
        await Promise.all(
          source.queues().map(async (queue) => {
            const stats = await source.queueStats(queue).catch(() => undefined);
            if (stats === undefined) return;
            for (const kind of ['ready', 'delayed', 'unacked', 'dead'] as const) this.set({ queue, kind }, stats[kind]);
          }),
        );
      },
    });
    new Gauge({
      name: 'celeriac_workers_online',
      help: 'Workers sending heartbeats.',
      registers,
      collect() {
        this.set(source.workersOnline());
      },
    });
  }

  apply(event: ClusterEvent): void {
    const state = STATE_OF_EVENT[event.type];
    if (state === undefined || !('name' in event)) return;
    const name = this.#label(event.name || 'unknown');
    this.#tasks.inc({ name, state });
    if (event.type === 'task-succeeded' || event.type === 'task-failed') {
      this.#runtime.observe({ name }, Math.max(0, event.runtime) / 1000);
    }
  }

  /** Task names come from whoever sends tasks: past MAX_TASK_NAMES of them, new ones share one label. */
  #label(name: string): string {
    if (this.#names.has(name)) return name;
    if (this.#names.size >= MAX_TASK_NAMES) return 'other';
    this.#names.add(name);
    return name;
  }

  /** The exposition text and its content type. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
