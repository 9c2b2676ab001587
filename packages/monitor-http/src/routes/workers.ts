import type { Json } from '@celeriac/core';
import type { Route } from '../context.ts';
import { sendJson } from '../http/response.ts';
import type { WorkerSnapshot } from '../workers.ts';
import { gatherOptions } from './params.ts';

/** A worker as `GET /api/workers` lists it: what events said, plus its `inspect().stats()` reply. */
export interface WorkerView extends WorkerSnapshot {
  /** 1, 5 and 15-minute load averages of its machine, when it answered `stats`. */
  load: number[] | null;
  /** Its full `inspect().stats()` reply, or null when it did not answer in time. */
  stats: Record<string, Json> | null;
}

function num(value: Json | undefined, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
}

function fromStats(hostname: string, stats: Record<string, Json>): WorkerSnapshot {
  return {
    hostname,
    status: 'online',
    pid: num(stats.pid, 0),
    queues: Array.isArray(stats.queues) ? stats.queues.filter((q): q is string => typeof q === 'string') : [],
    concurrency: num(stats.concurrency, 0),
    active: num(stats.active, 0),
    processed: num(stats.processed, 0),
    freq: 0,
    lastHeartbeat: Date.now(),
    onlineSince: typeof stats.uptime === 'number' ? Date.now() - stats.uptime * 1000 : null,
    offlineAt: null,
    expired: false,
  };
}

export const workerRoutes: Route[] = [
  {
    method: 'GET',
    pattern: '/api/workers',
    async handle({ res, query, ctx }) {
      const known = ctx.workers.list();
      let replies: Record<string, Record<string, Json>> = {};
      if (query.get('inspect') !== '0') {
        replies = await ctx.app.control
          .inspect(gatherOptions(ctx))
          .stats()
          .catch(() => ({}));
      }
      const byHost = new Map(known.map((worker) => [worker.hostname, worker]));
      for (const [hostname, stats] of Object.entries(replies)) {
        if (!byHost.has(hostname) || byHost.get(hostname)?.status === 'offline')
          byHost.set(hostname, fromStats(hostname, stats));
      }
      const workers: WorkerView[] = [...byHost.values()].map((worker) => {
        const stats = replies[worker.hostname] ?? null;
        const load = Array.isArray(stats?.loadavg)
          ? stats.loadavg.filter((n): n is number => typeof n === 'number')
          : null;
        // A stats reply is fresher than the last heartbeat.
        const active = stats === null ? worker.active : num(stats.active, worker.active);
        const processed = stats === null ? worker.processed : num(stats.processed, worker.processed);
        return { ...worker, active, processed, load, stats };
      });
      sendJson(res, 200, { online: workers.filter((w) => w.status === 'online').length, workers });
    },
  },
];
