import type { Redis } from 'ioredis';
import type { RedisOperation } from '../errors.ts';
import { RedisConnections } from '../internal/redis-connections.ts';
import type { PubSub } from '../pubsub.ts';
import { defineScript, type Script } from '../scripts.ts';
import { type CeleryScriptName, defineCeleryScript } from './celery-scripts.ts';
import { DelayedPromoter } from './delayed-promoter.ts';
import type { ResolvedKombuOptions } from './kombu-broker-options.ts';
import { PidboxBridge } from './pidbox-bridge.ts';

/** The Lua scripts a `KombuRedisBroker` runs, by role. */
export type KombuBrokerScripts = Record<
  'fetch' | 'settle' | 'restore' | 'promote' | 'purge' | 'stats' | 'deadList' | 'deadRequeue' | 'deadDelete',
  Script
>;

/** The scripts of `src/celery/lua/`; a queue's dead letters are listed and deleted by Celeriac's own. */
const SCRIPT_FILES: Record<Exclude<keyof KombuBrokerScripts, 'deadList' | 'deadDelete'>, CeleryScriptName> = {
  fetch: 'kombu-fetch',
  settle: 'kombu-settle',
  restore: 'kombu-restore',
  promote: 'kombu-promote',
  purge: 'kombu-purge',
  stats: 'kombu-stats',
  deadRequeue: 'kombu-dead-letter-requeue',
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
  readonly #connections: RedisConnections;

  private constructor(options: ResolvedKombuOptions, connections: RedisConnections, hooks: KombuConnectionHooks) {
    const { keys, report } = options;
    const { client, pubsub } = connections;
    this.#connections = connections;
    this.client = client;
    this.scripts = {
      ...(Object.fromEntries(
        Object.entries(SCRIPT_FILES).map(([name, file]) => [name, defineCeleryScript(client, file)]),
      ) as Record<keyof typeof SCRIPT_FILES, Script>),
      // Dead letters are an ids zset and a records hash in both layouts.
      deadList: defineScript(client, 'dead-letter-list'),
      deadDelete: defineScript(client, 'dead-letter-delete'),
    };
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
    const connections = await RedisConnections.open({
      given: options.connection,
      url: options.url,
      owner: 'broker',
      report: options.report,
      timeoutMs: options.publishTimeout,
    });
    return new KombuConnection(options, connections, hooks);
  }

  /** A new blocking connection for one consumer, ready (or rejected after `publishTimeout`). */
  openBlocking(): Promise<Redis> {
    return this.#connections.openBlocking();
  }

  /** End the BRPOP of connection `id` early (CLIENT UNBLOCK). */
  unblock(id: number): Promise<'unblocked' | 'not blocked' | 'failed'> {
    return this.#connections.unblock(id);
  }

  /** Stop promoting parked messages and answering Celery's pidbox (the connections stay open). */
  async stop(): Promise<void> {
    await this.promoter.close();
    await this.pidbox.close();
  }

  /** Close the subscriber connection, and the command connection unless it was given. */
  disconnect(): Promise<void> {
    return this.#connections.close();
  }
}
