import type { Redis } from 'ioredis';

/** Options of {@link RedisBroker}. */
export interface RedisBrokerOptions {
  /**
   * Redis server: `redis://[[user]:password@]host[:port][/db]`, or `rediss://` for TLS. Errors name
   * it with the password masked.
   * @default 'redis://127.0.0.1:6379'
   */
  readonly url?: string;
  /**
   * An ioredis client to send commands on, instead of opening one from `url`. It is not closed by
   * the broker; the blocking and subscriber connections are opened with `connection.duplicate()`.
   * The broker coalesces its own writes, so `enableAutoPipelining` is not needed. Scripts are added to it with
   * `defineCommand` (names starting `celeriac_`).
   * @default a new connection to `url`
   */
  readonly connection?: Redis;
  /**
   * Start of every key and channel name, so several apps can share one Redis.
   * @default 'celeriac:'
   */
  readonly prefix?: string;
  /**
   * The lease of a delivery, in seconds: a delivery not acknowledged nor renewed for this long
   * (its worker died) is delivered again, with `redelivered: true`. Workers renew the leases of
   * every delivery they hold every third of it (`capabilities.leaseRenewMs`), so a task longer
   * than this is not run twice.
   * @default 30
   */
  readonly visibilityTimeout?: number;
  /**
   * Dead letters kept per queue; beyond it the oldest are dropped, so a storm of poison messages
   * cannot fill Redis.
   * @default 10_000
   */
  readonly maxDeadLettersPerQueue?: number;
  /**
   * The longest, in milliseconds, `publish()` (and `connect()`) waits for Redis before rejecting
   * with `BrokerConnectionError`. Sooner when Redis refuses connections: commands queued while
   * reconnecting fail after 3 more attempts, and `connect()` after 5 failed attempts in a row (about
   * 1.5 s with the 100 ms → 2 s backoff). A publish that timed out while Redis was away may still be
   * applied once it is back (at-least-once).
   * @default 5000
   */
  readonly publishTimeout?: number;
  /**
   * Called with errors no caller can receive: a lost connection (once per outage), a failing
   * consumer fetch (retried with backoff), a throwing `onDelivery` or broadcast handler.
   * @default prints one line with `console.error`
   */
  readonly onError?: (error: Error, source: string) => void;
}
