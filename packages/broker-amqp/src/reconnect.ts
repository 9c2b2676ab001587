import { maskUrl } from '@celeriac/core';
import amqplib, { type ChannelModel } from 'amqplib';
import { AmqpDeadlineError, toCeleriacError } from './errors.ts';
import { coalesceFrameWrites } from './frame-writes.ts';
import type { ResolvedOptions } from './options.ts';

/** Called on every (re)connection, in registration order; errors are reported, not fatal. */
export type ConnectedListener = (connection: ChannelModel) => void | Promise<void>;

/** `url` with `heartbeat=<seconds>` added to its query, unless it sets one already. */
function withHeartbeat(url: string, heartbeat: number): string {
  if (/[?&]heartbeat=/.test(url)) return url;
  return `${url}${url.includes('?') ? '&' : '?'}heartbeat=${heartbeat}`;
}

/**
 * One AMQP connection that comes back by itself: on a lost connection it reconnects with
 * exponential backoff and jitter, then tells its listeners, which reopen their channels and
 * consumers. Callers wait for it with a deadline (`get`).
 */
export class ConnectionKeeper {
  readonly #options: ResolvedOptions;
  readonly #name: string;
  readonly #url: string;
  readonly #listeners: ConnectedListener[] = [];
  #connection: ChannelModel | undefined;
  #waiters = new Set<() => void>();
  #running = false;
  #loop: Promise<void> | undefined;
  #lastError: Error | undefined;
  #timer: NodeJS.Timeout | undefined;
  #wakeSleep: (() => void) | undefined;
  /** Connected at least once: failures before that reject `get()` instead of being reported. */
  #everConnected = false;

  constructor(options: ResolvedOptions, name: string) {
    this.#options = options;
    this.#name = name;
    this.#url = withHeartbeat(options.url, options.heartbeat);
  }

  /** The open connection, if any. */
  get current(): ChannelModel | undefined {
    return this.#connection;
  }

  /** Run `listener` on every (re)connection (and now, if connected). */
  onConnected(listener: ConnectedListener): void {
    this.#listeners.push(listener);
  }

  /** Start connecting (idempotent). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop ??= this.#connectLoop();
  }

  /**
   * The open connection; waits up to `timeoutMs` while (re)connecting, then rejects with
   * `BrokerConnectionError` naming the URL (password masked) and the last failure.
   */
  async get(timeoutMs: number): Promise<ChannelModel> {
    if (this.#connection !== undefined) return this.#connection;
    if (!this.#running) throw new AmqpDeadlineError('the broker is closed');
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.#waiters.add(done);
    });
    if (this.#connection !== undefined) return this.#connection;
    const why = this.#lastError === undefined ? '' : `: ${this.#lastError.message}`;
    const error = this.#running
      ? new AmqpDeadlineError(`no connection to ${maskUrl(this.#options.url)} within ${timeoutMs} ms${why}`)
      : new AmqpDeadlineError('the broker is closed');
    throw toCeleriacError(error, 'connect', this.#options.url);
  }

  /** Close the connection and stop reconnecting. Waiters are released and reject. */
  async close(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    this.#wakeSleep?.();
    this.#release();
    const loop = this.#loop;
    const connection = this.#connection;
    this.#connection = undefined;
    if (connection !== undefined) await connection.close().catch(() => undefined);
    await loop;
  }

  #release(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }

  async #connectLoop(): Promise<void> {
    let attempt = 0;
    let reported = false;
    while (this.#running) {
      let connection: ChannelModel;
      try {
        connection = await amqplib.connect(this.#url, {
          noDelay: this.#options.noDelay,
          timeout: 5000,
          clientProperties: { connection_name: `celeriac ${this.#name} (pid ${process.pid})` },
        });
      } catch (error) {
        this.#lastError = error as Error;
        if (!reported && this.#everConnected) {
          reported = true;
          this.#options.onError(
            toCeleriacError(error, 'connect', this.#options.url),
            `${this.#name} connection (reconnecting)`,
          );
        }
        attempt++;
        await this.#sleep(this.#backoff(attempt));
        continue;
      }
      if (!this.#running) {
        await connection.close().catch(() => undefined);
        break;
      }
      coalesceFrameWrites(connection);
      attempt = 0;
      reported = false;
      this.#everConnected = true;
      this.#lastError = undefined;
      const lost = new Promise<Error | undefined>((resolve) => {
        connection.on('error', (error: Error) => {
          this.#lastError = error;
        });
        connection.on('close', (error?: Error) => resolve(error ?? this.#lastError));
        connection.on('blocked', (reason: string) =>
          this.#options.onError(
            new Error(
              `RabbitMQ blocked publishing on this connection (${reason}): publishes wait until it lifts the alarm`,
            ),
            `${this.#name} connection`,
          ),
        );
      });
      this.#connection = connection;
      for (const listener of this.#listeners) {
        try {
          await listener(connection);
        } catch (error) {
          this.#options.onError(toCeleriacError(error, 'connect', this.#options.url), `${this.#name} connection setup`);
        }
      }
      this.#release();
      const reason = await lost;
      if (this.#connection === connection) this.#connection = undefined;
      if (!this.#running) break;
      this.#lastError = reason;
      this.#options.onError(
        toCeleriacError(reason ?? new Error('Connection closed'), 'connect', this.#options.url),
        `${this.#name} connection lost (reconnecting)`,
      );
      reported = true;
      await this.#sleep(this.#backoff(1));
    }
    this.#loop = undefined;
  }

  /** Delay before attempt `n` (1-based): initial × 2^(n-1), capped, plus up to 20 % jitter. */
  #backoff(attempt: number): number {
    const { reconnectInitialDelay: initial, reconnectMaxDelay: max } = this.#options;
    const base = Math.min(max / 1.2, initial * 2 ** Math.max(0, attempt - 1));
    return Math.min(max, Math.round(base * (1 + Math.random() * 0.2)));
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#wakeSleep = resolve;
      this.#timer = setTimeout(resolve, ms);
    });
  }
}
