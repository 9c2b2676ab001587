import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Celeriac } from '@celeriac/core';
import type { Authenticator } from './auth.ts';
import type { MonitorMetrics } from './metrics.ts';
import type { EventStream } from './sse.ts';
import type { TaskHistory } from './task-history.ts';
import type { Throughput } from './throughput.ts';
import type { WorkerRegistry } from './workers.ts';

/** Settings of a monitor with every default applied. */
export interface Settings {
  readOnly: boolean;
  publicHealthcheck: boolean;
  basePath: string;
  maxTasks: number;
  inspectTimeout: number;
  maxBodyBytes: number;
  minWorkers: number;
}

/** What every route reads: the app and the monitor's own state. */
export interface MonitorContext {
  readonly app: Celeriac;
  readonly settings: Settings;
  readonly auth: Authenticator;
  readonly history: TaskHistory;
  readonly workers: WorkerRegistry;
  readonly throughput: Throughput;
  readonly metrics: MonitorMetrics;
  readonly stream: EventStream;
  /** The app's default queue, `options.queues`, and the queues workers and tasks named. */
  knownQueues(): string[];
}

/** One request, routed. */
export interface RouteCall {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Path under the mount point. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Path parameters (`:id`), decoded. */
  readonly params: Record<string, string>;
  /** Mount point as the browser sees it (`/monitor`, `` at the root). */
  readonly mount: string;
  readonly ctx: MonitorContext;
}

/** A route of the monitor. */
export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  /** `/api/tasks/:id`: `:name` segments match one path segment. */
  pattern: string;
  /** Changes something: needs POST/DELETE, the CSRF header, and no `readOnly`. */
  action?: boolean;
  /** Served without credentials (login page, static assets). */
  public?: boolean;
  handle(call: RouteCall): Promise<void> | void;
}
