import { performance } from 'node:perf_hooks';
import type { Route } from '../context.ts';
import { send, sendJson } from '../http/response.ts';
import { withTimeout } from './params.ts';

/** Key the healthcheck reads from the result backend: a cheap round trip, whatever it holds. */
const PROBE_KEY = 'celeriac:monitor:probe';
const PROBE_TIMEOUT_MS = 2000;

interface Probe {
  ok: boolean;
  latencyMs: number;
  error?: string;
}

async function probe(what: string, run: () => Promise<unknown>): Promise<Probe> {
  const started = performance.now();
  try {
    await withTimeout(run(), PROBE_TIMEOUT_MS, what);
    return { ok: true, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
  } catch (error) {
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: (error as Error).message };
  }
}

export const healthRoutes: Route[] = [
  {
    method: 'GET',
    pattern: '/healthcheck',
    async handle({ res, ctx }) {
      const { app } = ctx;
      const [broker, backend] = await Promise.all([
        probe('the broker', async () => (await app.broker()).stats(app.defaultQueue)),
        app.resultsEnabled ? probe('the result backend', async () => (await app.backend()).get(PROBE_KEY)) : undefined,
      ]);
      const online = ctx.workers.onlineCount;
      const workersOk = online >= ctx.settings.minWorkers;
      const ok = broker.ok && (backend?.ok ?? true) && workersOk;
      sendJson(res, ok ? 200 : 503, {
        status: ok ? 'ok' : 'unavailable',
        broker,
        backend: backend ?? { ok: true, enabled: false },
        workers: { online, required: ctx.settings.minWorkers, ok: workersOk },
      });
    },
  },
  {
    method: 'GET',
    pattern: '/metrics',
    async handle({ res, ctx }) {
      const { contentType, body } = await ctx.metrics.render();
      send(res, 200, body, contentType);
    },
  },
  {
    method: 'GET',
    pattern: '/events',
    handle({ req, res, ctx }) {
      ctx.stream.handler(req, res);
    },
  },
];
