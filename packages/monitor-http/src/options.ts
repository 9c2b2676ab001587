import type { IncomingMessage } from 'node:http';

/**
 * Who may use the monitor.
 * - `{ token }`: `Authorization: Bearer <token>`; the login form asks for the token.
 * - `{ username, password }`: HTTP Basic; the login form asks for both.
 * - a function: called with every request (e.g. to check your service's own session); `true` lets it in.
 */
export type MonitorAuth =
  | { token: string }
  | { username: string; password: string }
  | ((req: IncomingMessage) => boolean | Promise<boolean>);

/** Options of `createMonitor(app, options)`. */
export interface MonitorOptions {
  /**
   * Credentials every route asks for (see the README's security model). Without it the monitor is
   * open, and `listen()` refuses a non-loopback host unless `insecure: true`.
   * @default undefined (no authentication)
   */
  auth?: MonitorAuth;
  /**
   * Refuse every action (revoke, retry, purge, dead-letter changes, rate limits) with 403.
   * @default false
   */
  readOnly?: boolean;
  /**
   * Let `GET /healthcheck` through without credentials, for load balancers.
   * @default false
   */
  publicHealthcheck?: boolean;
  /**
   * Allow `listen()` on a non-loopback host without `auth`.
   * @default false
   */
  insecure?: boolean;
  /**
   * The path the handler is mounted under, for servers that do not strip it from `req.url`
   * (`node:http`, Koa with `ctx.respond = false`). Express and Fastify (middie) strip it and set
   * `req.originalUrl`, which the monitor reads instead.
   * @default '' (detected from `req.originalUrl`/`req.baseUrl`)
   */
  basePath?: string;
  /**
   * Queues to report in `/api/queues` and `/metrics` besides the app's default queue and the
   * queues that workers and sent tasks name.
   * @default []
   */
  queues?: string[];
  /**
   * Tasks kept in the in-memory history (the oldest are dropped first).
   * @default 10000
   */
  maxTasks?: number;
  /**
   * Events kept for `Last-Event-ID` replay on `/events`.
   * @default 1000
   */
  eventBufferSize?: number;
  /**
   * Milliseconds between SSE heartbeat comments.
   * @default 15000
   */
  heartbeatMs?: number;
  /**
   * Milliseconds `/api/workers` waits for `inspect().stats()` replies.
   * @default 1000
   */
  inspectTimeout?: number;
  /**
   * Largest request body accepted, bytes; larger → 413.
   * @default 65536
   */
  maxBodyBytes?: number;
  /**
   * Seconds a browser session (the `/login` cookie) stays valid.
   * @default 43200 (12 hours)
   */
  sessionTtl?: number;
  /**
   * Secret that signs session cookies. Share one between monitor instances behind a load balancer;
   * otherwise each monitor draws a random one (sessions end when it restarts).
   * @default 32 random bytes per monitor
   */
  sessionSecret?: string | Buffer;
  /**
   * `/healthcheck` answers 503 when fewer workers are online.
   * @default 0
   */
  minWorkers?: number;
}
