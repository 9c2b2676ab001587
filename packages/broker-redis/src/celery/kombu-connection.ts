import type { Redis } from 'ioredis';
import {
  closeConnection,
  openCommandConnection,
  openConnection,
  openSubscriberConnection,
  watchConnection,
  whenReady,
  withDeadline,
} from '../connection.ts';
import type { RedisOperation } from '../errors.ts';
import { PubSub } from '../pubsub.ts';
import type { Script } from '../scripts.ts';
import { type CeleryScriptName, defineCeleryScript } from './celery-scripts.ts';
import { DelayedPromoter } from './delayed-promoter.ts';
import type { ResolvedKombuOptions } from './kombu-broker-options.ts';
import { PidboxBridge } from './pidbox-bridge.ts';

/** The Lua scripts a `KombuRedisBroker` runs, by role. */
export type KombuBrokerScripts = Record<
  'fetch' | 'settle' | 'restore' | 'promote' | 'purge' | 'stats' | 'deadList' | 'deadRequeue' | 'deadDelete',
  Script
>;

const SCRIPT_FILES: Record<keyof KombuBrokerScripts, CeleryScriptName> = {
  fetch: 'kombu-fetch',
  settle: 'kombu-settle',
  restore: 'kombu-restore',
  promote: 'kombu-promote',
  purge: 'kombu-purge',
  stats: 'kombu-stats',
  deadList: 'kombu-dead-letter-list',
  deadRequeue: 'kombu-dead-letter-requeue',
  deadDelete: 'kombu-dead-letter-delete',
};

/** What the connection reaches back into its broker for. */
export interface KombuConnectionHooks {
  /** The broker's command connection while it is open (throws once closed). */
  command(): Redis;
  /** A Redis failure as the Celeriac error the broker reports. */
  toError(error: unknown, operation: RedisOperation): Error;
}

/**
 * What one `connect()` of a `KombuRedisBroker` opens, closed together: the command connection and
 * its scripts, the subscriber connection (pub/sub), the promoter of parked delayed messages and the
 * bridge of Celery's pidbox; and how a consumer opens its blocking connection.
 */
export class KombuConnection {
  readonly client: Redis;
  readonly scripts: KombuBrokerScripts;
  readonly pubsub: PubSub;
  readonly promoter: DelayedPromoter;
  readonly pidbox: PidboxBridge;
  readonly #options: ResolvedKombuOptions;

  private constructor(options: ResolvedKombuOptions, client: Redis, hooks: KombuConnectionHooks) {
    const { url, keys, report } = options;
    this.#options = options;
    this.client = client;
    this.scripts = Object.fromEntries(
      Object.entries(SCRIPT_FILES).map(([name, file]) => [name, defineCeleryScript(client, file)]),
    ) as KombuBrokerScripts;
    const pubsub = new PubSub(() => openSubscriberConnection(url, 'broker', client, report), report);
    this.pubsub = pubsub;
    this.promoter = new DelayedPromoter(
      {
        keys,
        promote: this.scripts.promote,
        subscribe: (channel, listener) => pubsub.subscribe(channel, listener),
        report: (error, source) => report(hooks.toError(error, 'consume'), source),
      },
      options.sweepMs,
    );
    this.pidbox = new PidboxBridge({
      keys,
      client: () => hooks.command(),
      subscribe: (channel, listener) => pubsub.subscribe(channel, listener),
      report: (error, source) => report(error, source),
    });
  }

  /** Open the command connection (waiting up to `publishTimeout`) and what goes with it. */
  static async open(options: ResolvedKombuOptions, hooks: KombuConnectionHooks): Promise<KombuConnection> {
    const client = await openCommandConnection({
      given: options.connection,
      url: options.url,
      owner: 'broker',
      report: options.report,
      timeoutMs: options.publishTimeout,
    });
    return new KombuConnection(options, client, hooks);
  }

  /** A new blocking connection for one consumer, ready (or rejected after `publishTimeout`). */
  async openBlocking(): Promise<Redis> {
    const { url, report, publishTimeout } = this.#options;
    const blocking = openConnection(url, 'blocking', 'broker', this.client);
    watchConnection(blocking, url, 'broker blocking connection', report);
    try {
      await whenReady(blocking, publishTimeout, url, 'consume');
    } catch (error) {
      blocking.disconnect();
      throw error;
    }
    return blocking;
  }

  /** End the BRPOP of connection `id` early (CLIENT UNBLOCK). */
  async unblock(id: number): Promise<'unblocked' | 'not blocked' | 'failed'> {
    try {
      const reply = await withDeadline(this.client.call('CLIENT', 'UNBLOCK', String(id)), 1000, 'CLIENT UNBLOCK');
      return reply === 1 ? 'unblocked' : 'not blocked';
    } catch {
      return 'failed';
    }
  }

  /** Stop promoting parked messages and answering Celery's pidbox (the connections stay open). */
  async stop(): Promise<void> {
    await this.promoter.close();
    await this.pidbox.close();
  }

  /** Close the subscriber connection, and the command connection unless it was given. */
  async disconnect(): Promise<void> {
    await this.pubsub.close(closeConnection);
    if (this.#options.connection === undefined) await closeConnection(this.client);
  }
}
