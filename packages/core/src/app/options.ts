import type { Logger } from 'pino';
import type { ResultBackend } from '../backend/result-backend.ts';
import type { Broker } from '../broker/broker.ts';
import type { TaskOptions } from '../task/options.ts';
import type { Routes } from './routing.ts';

/** The wire format brokers and backends speak: Celeriac's own, or Celery's (for interop with Python). */
export type WireProtocol = 'celeriac' | 'celery';

/** Options of `new Celeriac(options)`. Times are in seconds. */
export interface CeleriacOptions {
  /** A URL (`memory://`, `redis://`, `rediss://`, `amqp://`, `amqps://`) or a Broker instance. @default 'memory://' */
  broker?: string | Broker;
  /**
   * A URL or a ResultBackend instance; `null` disables results. Defaults to the broker's URL for
   * `memory://` and `redis://`; with `amqp://` there is no default (results are disabled).
   */
  backend?: string | ResultBackend | null;
  /** Task name → queue: exact names and globs (`'documents.*'`), router functions, or a list of both. */
  routes?: Routes;
  /** Queue of tasks no route or option places elsewhere; what `app.worker()` consumes. @default 'default' */
  defaultQueue?: string;
  /** A pino logger; one is created otherwise (level from `CELERIAC_LOG_LEVEL`, else 'info'). */
  logger?: Logger;
  /** Options every task starts from (a task's own options override them). */
  taskDefaults?: TaskOptions;
  /** How long results are kept, seconds. @default 86_400 */
  resultExpires?: number;
  /** Largest encoded task message accepted at the call, bytes. @default 1_048_576 */
  maxPayloadBytes?: number;
  /** Name of this process in events and results. @default `${pid}@${os.hostname()}` */
  hostname?: string;
  /**
   * Wire format. `'celery'` speaks Celery's message protocol 2 (AMQP) and kombu's Redis layout, and
   * keeps results as Celery's Redis backend does, so Python Celery workers and clients share queues
   * and results with this app; the default queue becomes `celery`. Needs a redis:// or amqp:// broker.
   * @default 'celeriac'
   */
  protocol?: WireProtocol;
  /** Emit `task-sent` events when publishing. @default true */
  sendSentEvents?: boolean;
}
