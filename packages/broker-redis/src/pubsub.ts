import type { Redis } from 'ioredis';
import type { ErrorReporter } from './connection.ts';

/** Receives the raw text of each message published on a channel. */
export type ChannelListener = (message: string) => void;

interface Channel {
  readonly listeners: Set<ChannelListener>;
  /** Settles once Redis confirmed the SUBSCRIBE. */
  readonly subscribed: Promise<unknown>;
}

/**
 * One subscriber connection shared by every channel of a broker or backend, with listeners
 * counted per channel: SUBSCRIBE on the first, UNSUBSCRIBE after the last. ioredis subscribes
 * again by itself after a reconnect.
 */
export class PubSub {
  readonly #open: () => Redis;
  readonly #report: ErrorReporter;
  readonly #channels = new Map<string, Channel>();
  #client: Redis | undefined;

  /** `open` creates the subscriber connection, on the first subscription. */
  constructor(open: () => Redis, report: ErrorReporter) {
    this.#open = open;
    this.#report = report;
  }

  /**
   * Call `listener` with every message on `channel` until the returned function is called.
   * Resolves once Redis has confirmed the subscription, so nothing published afterwards is missed.
   */
  async subscribe(channel: string, listener: ChannelListener): Promise<() => Promise<void>> {
    const client = this.#connection();
    let entry = this.#channels.get(channel);
    if (entry === undefined) {
      entry = { listeners: new Set(), subscribed: client.subscribe(channel) };
      this.#channels.set(channel, entry);
    }
    const current = entry;
    current.listeners.add(listener);
    try {
      await current.subscribed;
    } catch (error) {
      await this.#remove(channel, current, listener);
      throw error;
    }
    let active = true;
    return async () => {
      if (!active) return;
      active = false;
      await this.#remove(channel, current, listener);
    };
  }

  /** Drop every listener and close the connection. */
  async close(closeConnection: (client: Redis) => Promise<void>): Promise<void> {
    this.#channels.clear();
    const client = this.#client;
    this.#client = undefined;
    if (client !== undefined) await closeConnection(client);
  }

  async #remove(channel: string, entry: Channel, listener: ChannelListener): Promise<void> {
    entry.listeners.delete(listener);
    if (entry.listeners.size > 0 || this.#channels.get(channel) !== entry) return;
    this.#channels.delete(channel);
    // A later subscribe to the same channel is sent after this UNSUBSCRIBE on the same connection.
    await this.#client?.unsubscribe(channel).catch(() => undefined);
  }

  #connection(): Redis {
    if (this.#client === undefined) {
      const client = this.#open();
      client.on('message', (channel: string, message: string) => this.#dispatch(channel, message));
      this.#client = client;
    }
    return this.#client;
  }

  #dispatch(channel: string, message: string): void {
    const entry = this.#channels.get(channel);
    if (entry === undefined) return;
    for (const listener of entry.listeners) {
      try {
        listener(message);
      } catch (error) {
        this.#report(error instanceof Error ? error : new Error(String(error)), `listener of channel ${channel}`);
      }
    }
  }
}
