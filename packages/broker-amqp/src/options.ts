import { ConfigError, type WireProtocol } from '@celeriac/core';

/** Options of {@link AmqpBroker}. */
export interface AmqpBrokerOptions {
  /**
   * RabbitMQ server: `amqp://user:password@host:port/vhost`, or `amqps://` for TLS. Query
   * parameters go to amqplib (`?frameMax=…`). Errors name it with the password masked.
   * @default 'amqp://guest:guest@127.0.0.1:5672'
   */
  readonly url?: string;
  /**
   * Start of every queue and exchange name this broker declares, so several apps (or test runs)
   * can share one vhost. With the default, queue `default` is the AMQP queue `default`.
   * @default ''
   */
  readonly queuePrefix?: string;
  /**
   * Set TCP_NODELAY on the sockets. amqplib leaves Nagle's algorithm on, which delays small
   * frames (a publish, an ack) by up to 40 ms; with it off, a task starts within a millisecond or
   * two of `delay()` instead of 20–40 ms. Turn it off only to trade latency for fewer packets.
   * @default true
   */
  readonly noDelay?: boolean;
  /**
   * First delay, in milliseconds, before reconnecting after a lost connection; it doubles after
   * each failed attempt (with up to 20 % jitter) up to `reconnectMaxDelay`.
   * @default 100
   */
  readonly reconnectInitialDelay?: number;
  /**
   * Longest delay, in milliseconds, between two reconnect attempts.
   * @default 5000
   */
  readonly reconnectMaxDelay?: number;
  /**
   * How long, in milliseconds, `publish()` (and the first `connect()`) may wait for a connection,
   * counting reconnect attempts, before rejecting with `BrokerConnectionError`. Messages whose
   * confirm was lost with a connection are sent again within the same budget (at-least-once).
   * @default 5000
   */
  readonly publishTimeout?: number;
  /**
   * AMQP heartbeat, in seconds: how soon a silently dead server or network is noticed (after about
   * two missed beats). 0 turns heartbeats off.
   * @default 60
   */
  readonly heartbeat?: number;
  /**
   * Wire format. `'celery'` reads and writes Celery's message protocol 2 on Celery's queue layout,
   * so Python Celery workers and clients share the queues (see "Celery mode" in the README); the
   * app passes it from `new Celeriac({ protocol: 'celery' })`.
   * @default 'celeriac'
   */
  readonly protocol?: WireProtocol;
  /**
   * `x-max-priority` of every task queue. Core priorities 0–9 map directly; 10 leaves one level of
   * headroom. 0 declares plain queues without priorities (`capabilities.priorities` false): RabbitMQ
   * consumes a plain queue about twice as fast as a priority queue (see the bench). Changing it on an
   * existing queue is refused by RabbitMQ: delete the queue or use another `queuePrefix`. With
   * `protocol: 'celery'` it must equal Celery's `task_queue_max_priority` (unset there: 0 here).
   * @default 10, or 0 with `protocol: 'celery'`
   */
  readonly maxPriority?: number;
  /**
   * Most dead letters one `deadLetters.list/requeue/delete` call reads from a dead-letter queue.
   * AMQP cannot index a queue, so each call reads the queue from its head (one `basic.get` per
   * message) and puts back what it does not take.
   * @default 10_000
   */
  readonly deadLetterScanLimit?: number;
  /**
   * Called with errors no caller can receive: a lost connection (once per outage), a channel
   * closed by RabbitMQ (for instance by `consumer_timeout`), a throwing broadcast handler.
   * @default prints one line with `console.error`
   */
  readonly onError?: (error: Error, source: string) => void;
}

/** Options with every default applied. */
export interface ResolvedOptions {
  readonly url: string;
  readonly protocol: WireProtocol;
  readonly queuePrefix: string;
  readonly noDelay: boolean;
  readonly reconnectInitialDelay: number;
  readonly reconnectMaxDelay: number;
  readonly publishTimeout: number;
  readonly heartbeat: number;
  readonly maxPriority: number;
  readonly deadLetterScanLimit: number;
  readonly onError: (error: Error, source: string) => void;
}

/** The default server: a local RabbitMQ with its guest account. */
export const DEFAULT_URL = 'amqp://guest:guest@127.0.0.1:5672';

/** Default {@link AmqpBrokerOptions.onError}: one `console.error` line. */
export function reportToConsole(error: Error, source: string): void {
  console.error(`[@celeriac/broker-amqp] ${source}: ${error.message}`);
}

function check(name: string, value: number, valid: boolean, what: string): number {
  if (!valid) throw new ConfigError(`AmqpBroker option ${name} must be ${what}, got ${String(value)}.`);
  return value;
}

/** Apply defaults and reject bad values with `ConfigError`. */
export function resolveOptions(options: AmqpBrokerOptions): ResolvedOptions {
  const url = options.url ?? DEFAULT_URL;
  if (!/^amqps?:\/\//i.test(url)) {
    throw new ConfigError('AmqpBroker option url must start with amqp:// or amqps://.');
  }
  const initial = options.reconnectInitialDelay ?? 100;
  const max = options.reconnectMaxDelay ?? 5000;
  const publishTimeout = options.publishTimeout ?? 5000;
  const heartbeat = options.heartbeat ?? 60;
  const protocol = options.protocol ?? 'celeriac';
  if (protocol !== 'celeriac' && protocol !== 'celery') {
    throw new ConfigError(`AmqpBroker option protocol must be 'celeriac' or 'celery', got ${String(protocol)}.`);
  }
  // Celery declares its queues without x-max-priority unless task_queue_max_priority is set.
  const maxPriority = options.maxPriority ?? (protocol === 'celery' ? 0 : 10);
  const scan = options.deadLetterScanLimit ?? 10_000;
  const prefix = options.queuePrefix ?? '';
  if (typeof prefix !== 'string' || prefix.startsWith('amq.')) {
    throw new ConfigError('AmqpBroker option queuePrefix must be a string not starting with "amq." (reserved).');
  }
  return {
    url,
    protocol,
    queuePrefix: prefix,
    noDelay: options.noDelay ?? true,
    reconnectInitialDelay: check('reconnectInitialDelay', initial, initial > 0, 'a positive number of ms'),
    reconnectMaxDelay: check('reconnectMaxDelay', max, max >= initial, 'a number of ms ≥ reconnectInitialDelay'),
    publishTimeout: check('publishTimeout', publishTimeout, publishTimeout > 0, 'a positive number of ms'),
    heartbeat: check('heartbeat', heartbeat, Number.isInteger(heartbeat) && heartbeat >= 0, 'an integer ≥ 0'),
    maxPriority: check(
      'maxPriority',
      maxPriority,
      Number.isInteger(maxPriority) && (maxPriority === 0 || (maxPriority >= 9 && maxPriority <= 255)),
      '0 (no priorities) or an integer from 9 (core priorities are 0–9) to 255',
    ),
    deadLetterScanLimit: check('deadLetterScanLimit', scan, Number.isInteger(scan) && scan >= 1, 'an integer ≥ 1'),
    onError: options.onError ?? reportToConsole,
  };
}
