import type { Redis } from 'ioredis';
import { DEFAULT_URL, type ErrorReporter, reportToConsole } from '../connection.ts';
import { KOMBU_PRIORITY_STEPS, KombuKeys } from './kombu-keys.ts';

/** Options of `KombuRedisBroker`. */
export interface KombuRedisBrokerOptions {
  /**
   * Redis server: `redis://[[user]:password@]host[:port][/db]`, or `rediss://` for TLS; the same
   * URL (database included) as Celery's `broker_url`.
   * @default 'redis://127.0.0.1:6379'
   */
  readonly url?: string;
  /**
   * An ioredis client to send commands on, instead of opening one from `url`; not closed by the
   * broker. Blocking and subscriber connections are opened with `connection.duplicate()`.
   * @default a new connection to `url`
   */
  readonly connection?: Redis;
  /**
   * kombu's `global_keyprefix` transport option: put the same value in Celery's
   * `broker_transport_options`. Every key and channel starts with it.
   * @default '' (kombu's default)
   */
  readonly globalKeyPrefix?: string;
  /**
   * Start of the keys only Celeriac uses (parked delayed messages, dead letters, broadcasts),
   * after `globalKeyPrefix`.
   * @default 'celeriac:'
   */
  readonly prefix?: string;
  /**
   * kombu's `visibility_timeout`, in seconds: a delivery not acknowledged for this long is restored
   * to its queue (redelivered) by any Celeriac or Celery consumer of this Redis. Must be the same
   * as the Celery side's `broker_transport_options['visibility_timeout']`, or one side restores
   * what the other still runs. Celeriac workers renew their held deliveries every third of it (or
   * more often), so a Celeriac task longer than this is not run twice; a Celery worker does not.
   * @default 3600 (kombu's default)
   */
  readonly visibilityTimeout?: number;
  /**
   * kombu's `priority_steps`: one list per step. Must match the Celery side's.
   * @default [0, 3, 6, 9]
   */
  readonly prioritySteps?: readonly number[];
  /**
   * Dead letters kept per queue; beyond it the oldest are dropped.
   * @default 10_000
   */
  readonly maxDeadLettersPerQueue?: number;
  /**
   * The longest, in milliseconds, `publish()` and `connect()` wait for Redis before rejecting
   * with `BrokerConnectionError`.
   * @default 5000
   */
  readonly publishTimeout?: number;
  /**
   * Called with errors no caller can receive: a lost connection (once per outage), a failing
   * consumer fetch or sweep (retried), a throwing `onDelivery` or broadcast handler.
   * @default prints one line with `console.error`
   */
  readonly onError?: (error: Error, source: string) => void;
}

/** Options checked, with their defaults. */
export interface ResolvedKombuOptions {
  readonly url: string;
  readonly connection: Redis | undefined;
  readonly visibilityTimeoutMs: number;
  /** How often restores and promotions are swept, ms. */
  readonly sweepMs: number;
  readonly maxDeadLetters: number;
  readonly publishTimeout: number;
  readonly report: ErrorReporter;
  readonly keys: KombuKeys;
}

/** Check `options` (RangeError naming the bad one) and fill in kombu's defaults. */
export function resolveKombuOptions(options: KombuRedisBrokerOptions): ResolvedKombuOptions {
  const visibilityTimeout = options.visibilityTimeout ?? 3600;
  if (!(visibilityTimeout > 0 && Number.isFinite(visibilityTimeout))) {
    throw new RangeError(`visibilityTimeout must be a positive number of seconds, got ${String(visibilityTimeout)}.`);
  }
  const steps = options.prioritySteps ?? KOMBU_PRIORITY_STEPS;
  if (!(steps.length > 0 && steps[0] === 0 && steps.every((step, i) => i === 0 || step > steps[i - 1]!))) {
    throw new RangeError(`prioritySteps must start at 0 and ascend, got ${JSON.stringify(steps)}.`);
  }
  const maxDeadLetters = options.maxDeadLettersPerQueue ?? 10_000;
  if (!(Number.isInteger(maxDeadLetters) && maxDeadLetters >= 0)) {
    throw new RangeError(`maxDeadLettersPerQueue must be an integer ≥ 0, got ${String(maxDeadLetters)}.`);
  }
  const url = options.url ?? DEFAULT_URL;
  const visibilityTimeoutMs = visibilityTimeout * 1000;
  return {
    url,
    connection: options.connection,
    visibilityTimeoutMs,
    // At least every 5 s (kombu restores about every 10 s when idle).
    sweepMs: Math.min(visibilityTimeoutMs / 3, 5000),
    maxDeadLetters,
    publishTimeout: options.publishTimeout ?? 5000,
    report: options.onError ?? reportToConsole,
    keys: new KombuKeys({
      globalPrefix: options.globalKeyPrefix ?? '',
      prefix: options.prefix ?? 'celeriac:',
      steps: [...steps],
      db: databaseOf(url, options.connection),
    }),
  };
}

/** The database number in a redis:// URL (kombu's virtual host), for kombu's fanout channel names. */
function databaseOf(url: string, connection: Redis | undefined): number {
  if (connection !== undefined) return connection.options.db ?? 0;
  try {
    const path = new URL(url).pathname.replace(/^\//, '');
    return path === '' ? 0 : Number.parseInt(path, 10) || 0;
  } catch {
    return 0;
  }
}
