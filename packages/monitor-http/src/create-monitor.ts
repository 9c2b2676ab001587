import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Celeriac, type ClusterEvent, ConfigError, coerceError } from '@celeriac/core';
import { Authenticator, CSRF_HEADER } from './auth.ts';
import type { MonitorContext, Route, Settings } from './context.ts';
import { BadRequestError, BodyTooLargeError, locate } from './http/request.ts';
import { redirect, sendError } from './http/response.ts';
import { Router } from './http/router.ts';
import { MonitorMetrics } from './metrics.ts';
import type { MonitorOptions } from './options.ts';
import { dashboardRoutes } from './routes/dashboard.ts';
import { healthRoutes } from './routes/health.ts';
import { queueRoutes } from './routes/queues.ts';
import { taskActionRoutes } from './routes/task-actions.ts';
import { taskRoutes } from './routes/tasks.ts';
import { workerRoutes } from './routes/workers.ts';
import { createEventStream } from './sse.ts';
import { TaskHistory } from './task-history.ts';
import { Throughput } from './throughput.ts';
import { WorkerRegistry } from './workers.ts';

/** Express/Connect-style continuation, called for paths the monitor does not serve. */
export type NextFunction = (error?: unknown) => void;

/** A running standalone monitor server. */
export interface ListeningMonitor {
  /** `http://host:port/`. */
  url: string;
  /** Stop this server (open event streams are ended). */
  close(): Promise<void>;
}

/** What `createMonitor` returns. */
export interface Monitor {
  /**
   * Serve one request. Mount it under any prefix: Express `app.use('/monitor', handler)`, Fastify
   * with middie, Koa with `ctx.respond = false`, `node:http` with `basePath`. With `next`, paths it
   * does not serve are passed on; without, they get 404.
   */
  handler(req: IncomingMessage, res: ServerResponse, next?: NextFunction): Promise<void>;
  /**
   * Serve the monitor on its own HTTP server (what `celeriac monitor --port` runs).
   * Without `auth`, a host other than loopback is refused unless `insecure: true`.
   */
  listen(port?: number, host?: string): Promise<ListeningMonitor>;
  /** Stop listening to the app, end event streams and close the servers `listen` started (not the app). */
  close(): Promise<void>;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|::1|\[::1\]|::ffff:127(?:\.\d{1,3}){3})$/i;
const MAX_QUEUES_SEEN = 1000;

function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}

/** Every route the monitor serves, in matching order. */
const ROUTES: readonly Route[] = [
  ...dashboardRoutes,
  ...healthRoutes,
  ...workerRoutes,
  ...queueRoutes,
  ...taskRoutes,
  ...taskActionRoutes,
];

/**
 * Create the HTTP monitor of `app` (Celeriac's Flower): a JSON API, a Server-Sent Events stream,
 * Prometheus metrics, a healthcheck and a dashboard. It starts listening to `app.events` at once,
 * so its task history covers everything from now on.
 */
export function createMonitor(app: Celeriac, options: MonitorOptions = {}): Monitor {
  const settings: Settings = {
    readOnly: options.readOnly === true,
    publicHealthcheck: options.publicHealthcheck === true,
    basePath: options.basePath ?? '',
    maxTasks: options.maxTasks ?? 10_000,
    inspectTimeout: options.inspectTimeout ?? 1000,
    maxBodyBytes: options.maxBodyBytes ?? 65_536,
    minWorkers: options.minWorkers ?? 0,
  };
  const history = new TaskHistory(settings.maxTasks);
  const workers = new WorkerRegistry();
  const throughput = new Throughput();
  const seenQueues = new Set<string>();
  const knownQueues = (): string[] =>
    [...new Set([app.defaultQueue, ...(options.queues ?? []), ...workers.queues(), ...seenQueues])].sort();
  const metrics = new MonitorMetrics({
    queues: knownQueues,
    queueStats: async (queue) => (await app.broker()).stats(queue),
    workersOnline: () => workers.onlineCount,
  });
  const onEvent = (event: ClusterEvent): void => {
    history.apply(event);
    workers.apply(event);
    throughput.apply(event);
    metrics.apply(event);
    if ((event.type === 'task-sent' || event.type === 'task-rejected') && seenQueues.size < MAX_QUEUES_SEEN) {
      seenQueues.add(event.queue);
    }
  };
  app.events.on('*', onEvent);
  const stream = createEventStream(app, { bufferSize: options.eventBufferSize, heartbeatMs: options.heartbeatMs });
  const ctx: MonitorContext = {
    app,
    settings,
    auth: new Authenticator(options.auth, { secret: options.sessionSecret, ttl: options.sessionTtl }),
    history,
    workers,
    throughput,
    metrics,
    stream,
    knownQueues,
  };
  const router = new Router(ROUTES);
  const servers = new Set<Server>();

  async function handler(req: IncomingMessage, res: ServerResponse, next?: NextFunction): Promise<void> {
    try {
      const where = locate(req, settings.basePath);
      const method = req.method ?? 'GET';
      if (where.bareMount && (method === 'GET' || method === 'HEAD')) {
        // `/monitor` → `monitor/`, so the page's relative URLs resolve under the mount point.
        const search = where.query.size > 0 ? `?${where.query}` : '';
        return redirect(res, `${where.mount.slice(where.mount.lastIndexOf('/') + 1)}/${search}`);
      }
      const match = router.match(method, where.path);
      if (match.kind === 'method') {
        return sendError(res, 405, `${method} is not allowed here.`, { Allow: match.allow.join(', ') });
      }
      if (match.kind === 'none') {
        if (next !== undefined) return next();
        return sendError(res, 404, `No such monitor route: ${where.path}`);
      }
      const { route, params } = match;
      const open = route.public === true || (route.pattern === '/healthcheck' && settings.publicHealthcheck);
      if (!open) {
        const outcome = await ctx.auth.check(req);
        if (!outcome.ok) {
          if (route.pattern === '/' && outcome.status === 401 && ctx.auth.kind !== 'function') {
            return redirect(res, 'login');
          }
          return sendError(res, outcome.status, outcome.message, outcome.headers);
        }
      }
      if (route.action === true) {
        if (req.headers[CSRF_HEADER] === undefined) {
          return sendError(
            res,
            403,
            `Actions need the ${CSRF_HEADER} header (the dashboard sends it; add it to API calls).`,
          );
        }
        if (settings.readOnly) return sendError(res, 403, 'This monitor is read-only.');
      }
      await route.handle({ req, res, path: where.path, query: where.query, params, mount: where.mount, ctx });
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        // Stop reading a body we will not use; the client gets the answer before its upload ends.
        res.setHeader('Connection', 'close');
        return sendError(res, 413, error.message);
      }
      if (error instanceof BadRequestError) return sendError(res, 400, error.message);
      const coerced = coerceError(error);
      app.logger.error({ err: coerced, url: req.url }, 'monitor request failed');
      sendError(res, 500, coerced.message);
    }
  }

  async function listen(port = 5555, host = '127.0.0.1'): Promise<ListeningMonitor> {
    if (options.auth === undefined && options.insecure !== true && !isLoopback(host)) {
      throw new ConfigError(
        `Refusing to serve the monitor on ${host} without authentication: pass \`auth\` (a token, a user name and password, or a function) to createMonitor(), or set \`insecure: true\` to expose it anyway.`,
      );
    }
    const server = createServer((req, res) => void handler(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    servers.add(server);
    const address = server.address() as AddressInfo;
    const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return {
      url: `http://${shown}:${address.port}/`,
      close: () => closeServer(server),
    };
  }

  async function closeServer(server: Server): Promise<void> {
    if (!servers.delete(server)) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Event streams never end by themselves.
      server.closeAllConnections();
    });
  }

  return {
    handler,
    listen,
    async close() {
      app.events.off('*', onEvent);
      stream.close();
      await Promise.all([...servers].map(closeServer));
    },
  };
}
