import type { Redis } from 'ioredis';
import {
  closeConnection,
  type ErrorReporter,
  openCommandConnection,
  openConnection,
  openSubscriberConnection,
  watchConnection,
  whenReady,
  withDeadline,
} from '../connection.ts';
import { PubSub } from '../pubsub.ts';

/** How a broker or backend opens its connections. */
export interface ConnectionSettings {
  /** The caller's client for commands, if any: used as it is and never closed by us. */
  readonly given: Redis | undefined;
  readonly url: string;
  readonly owner: 'broker' | 'backend';
  readonly report: ErrorReporter;
  /** How long a new connection may take to become ready, ms. */
  readonly timeoutMs: number;
}

/**
 * The connections one `connect()` of a broker or backend opens: the command connection (the
 * caller's client when given), one subscriber connection duplicated from it on the first
 * subscription, and a blocking connection per consumer on demand. Closed together, except a given
 * client.
 */
export class RedisConnections {
  readonly client: Redis;
  readonly pubsub: PubSub;
  readonly #settings: ConnectionSettings;

  private constructor(settings: ConnectionSettings, client: Redis) {
    const { url, owner, report } = settings;
    this.#settings = settings;
    this.client = client;
    this.pubsub = new PubSub(() => openSubscriberConnection(url, owner, client, report), report);
  }

  /** Open the command connection, ready within `timeoutMs` (or rejected with the masked URL). */
  static async open(settings: ConnectionSettings): Promise<RedisConnections> {
    return new RedisConnections(settings, await openCommandConnection(settings));
  }

  /** A new blocking connection for one consumer, ready (or rejected after `timeoutMs`). */
  async openBlocking(): Promise<Redis> {
    const { url, owner, report, timeoutMs } = this.#settings;
    const blocking = openConnection(url, 'blocking', owner, this.client);
    watchConnection(blocking, url, `${owner} blocking connection`, report);
    try {
      await whenReady(blocking, timeoutMs, url, 'consume');
    } catch (error) {
      blocking.disconnect();
      throw error;
    }
    return blocking;
  }

  /** End the blocking command (BLPOP, BRPOP) of connection `id` early with CLIENT UNBLOCK. */
  async unblock(id: number): Promise<'unblocked' | 'not blocked' | 'failed'> {
    try {
      const reply = await withDeadline(this.client.call('CLIENT', 'UNBLOCK', String(id)), 1000, 'CLIENT UNBLOCK');
      return reply === 1 ? 'unblocked' : 'not blocked';
    } catch {
      return 'failed';
    }
  }

  /** Close the subscriber connection, and the command connection unless it was given. */
  async close(): Promise<void> {
    await this.pubsub.close(closeConnection);
    if (this.#settings.given === undefined) await closeConnection(this.client);
  }
}
