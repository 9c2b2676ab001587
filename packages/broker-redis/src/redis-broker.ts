import {
  type Broker,
  type BrokerCapabilities,
  BrokerConnectionError,
  type ConsumeOptions,
  coerceError,
  consumeProblem,
  type DeadLetterStore,
  type Delivery,
  type Json,
  messageProblem,
  type OutgoingMessage,
  PublishError,
  type QueueStats,
  type Subscription,
} from '@celeriac/core';
import type { Redis } from 'ioredis';
import { closeConnection, DEFAULT_URL, type ErrorReporter, reportToConsole, withDeadline } from './connection.ts';
import { type RedisOperation, toCeleriacError } from './errors.ts';
import { ConnectionLifecycle } from './internal/connection-lifecycle.ts';
import { Consumer, type ConsumerHost } from './internal/consumer.ts';
import { ScriptDeadLetters } from './internal/dead-letters.ts';
import { RedisDelivery } from './internal/delivery.ts';
import { startConsumer } from './internal/fetch-loop.ts';
import { RedisConnections } from './internal/redis-connections.ts';
import { RedisSettlement } from './internal/settlement.ts';
import { CONSUMER_GROUP, KeySpace } from './keys.ts';
import type { RedisBrokerOptions } from './redis-broker-options.ts';
import { defineScript, type Script } from './scripts.ts';

export type { RedisBrokerOptions };

/** Scripts the broker runs on its command connection. */
interface BrokerScripts {
  publish: Script;
  fetch: Script;
  ack: Script;
  settle: Script;
  reclaim: Script;
  promote: Script;
  purge: Script;
  stats: Script;
  deadLetterList: Script;
  deadLetterRequeue: Script;
  deadLetterDelete: Script;
}

/** Messages per publish script call: bounds one script's run time and argument count. */
const PUBLISH_CHUNK = 500;
const PURGER = 'celeriac-purger';

/**
 * A Celeriac broker on Redis (ioredis). Each queue has one stream per priority (9 first) read
 * through a consumer group, so a delivered message stays pending — leased — until acknowledged;
 * a lease not renewed within `visibilityTimeout` is given back to the queue. Delayed messages wait
 * in a sorted set until due. See the package README for the design and the key layout.
 */
export class RedisBroker implements Broker {
  readonly capabilities: BrokerCapabilities;
  readonly deadLetters: DeadLetterStore;
  /** Key and channel names under the configured prefix. */
  readonly keys: KeySpace;
  readonly #url: string;
  readonly #options: RedisBrokerOptions;
  readonly #visibilityTimeoutMs: number;
  readonly #maxDeadLetters: number;
  readonly #publishTimeout: number;
  readonly #report: ErrorReporter;
  readonly #consumers = new Set<Consumer>();
  readonly #settlement: RedisSettlement;
  readonly #lifecycle = new ConnectionLifecycle(
    () => this.#open(),
    () => this.#shutDown(),
  );
  #connections: RedisConnections | undefined;
  #scripts: BrokerScripts | undefined;

  constructor(options: RedisBrokerOptions = {}) {
    const visibilityTimeout = options.visibilityTimeout ?? 30;
    if (!(visibilityTimeout > 0 && Number.isFinite(visibilityTimeout))) {
      throw new RangeError(`visibilityTimeout must be a positive number of seconds, got ${String(visibilityTimeout)}.`);
    }
    const maxDead = options.maxDeadLettersPerQueue ?? 10_000;
    if (!(Number.isInteger(maxDead) && maxDead >= 0)) {
      throw new RangeError(`maxDeadLettersPerQueue must be an integer ≥ 0, got ${String(maxDead)}.`);
    }
    const publishTimeout = options.publishTimeout ?? 5000;
    if (!(publishTimeout > 0 && Number.isFinite(publishTimeout))) {
      throw new RangeError(`publishTimeout must be a positive number of milliseconds, got ${String(publishTimeout)}.`);
    }
    this.#options = options;
    this.#url = options.url ?? DEFAULT_URL;
    this.#visibilityTimeoutMs = visibilityTimeout * 1000;
    this.#maxDeadLetters = maxDead;
    this.#publishTimeout = publishTimeout;
    this.#report = options.onError ?? reportToConsole;
    this.keys = new KeySpace(options.prefix ?? 'celeriac:');
    this.capabilities = Object.freeze({
      delay: true,
      priorities: true,
      leases: true,
      crossProcess: true,
      leaseRenewMs: this.#visibilityTimeoutMs / 3,
    });
    this.#settlement = new RedisSettlement({
      keys: this.keys,
      maxDeadLetters: maxDead,
      ackScript: () => this.#connectedScripts().ack,
      settleScript: () => this.#connectedScripts().settle,
      toError: (error, operation) => this.#error(error, operation),
    });
    const keys = this.keys;
    const layout = {
      storeKeys: (queue: string) => [...keys.deadLetters(queue)],
      requeueCall: (queue: string, id: string) => ({ keys: [...keys.queueKeys(queue)], args: [id] }),
    };
    this.deadLetters = new ScriptDeadLetters(layout, async () => {
      const scripts = this.#scripts ?? (await this.#connected());
      return {
        list: scripts.deadLetterList,
        requeue: scripts.deadLetterRequeue,
        delete: scripts.deadLetterDelete,
        run: (reply) => this.#run('manage dead letters', reply),
      };
    });
  }

  /** Open the command connection (waiting up to `publishTimeout`). Idempotent; reopens after close. */
  connect(): Promise<void> {
    return this.#lifecycle.connect();
  }

  async #open(): Promise<void> {
    const connections = await RedisConnections.open({
      given: this.#options.connection,
      url: this.#url,
      owner: 'broker',
      report: this.#report,
      timeoutMs: this.#publishTimeout,
    });
    const script = (name: Parameters<typeof defineScript>[1]) => defineScript(connections.client, name);
    this.#scripts = {
      publish: script('publish'),
      fetch: script('fetch'),
      ack: script('ack'),
      settle: script('settle'),
      reclaim: script('reclaim'),
      promote: script('promote'),
      purge: script('purge'),
      stats: script('stats'),
      deadLetterList: script('dead-letter-list'),
      deadLetterRequeue: script('dead-letter-requeue'),
      deadLetterDelete: script('dead-letter-delete'),
    };
    this.#connections = connections;
  }

  /**
   * Stop every subscription, give unsettled deliveries back to their queues (as redeliveries),
   * and close the connections the broker opened.
   */
  close(): Promise<void> {
    return this.#lifecycle.close();
  }

  async #shutDown(): Promise<void> {
    const consumers = [...this.#consumers];
    this.#consumers.clear();
    await Promise.all(consumers.map((consumer) => consumer.close()));
    try {
      await this.#settlement.returnHeld();
    } catch (error) {
      this.#report(
        this.#error(error, 'settle'),
        'giving unsettled deliveries back on close (their leases will expire)',
      );
    }
    const connections = this.#connections!;
    this.#connections = undefined;
    this.#scripts = undefined;
    await connections.close();
  }

  async publish(messages: readonly OutgoingMessage[]): Promise<void> {
    if (this.#lifecycle.closed) throw new PublishError('Cannot publish: the Redis broker is closed.');
    for (const message of messages) {
      const problem = messageProblem(message);
      if (problem !== undefined) throw new PublishError(problem);
    }
    if (messages.length === 0) return;
    const scripts = this.#scripts ?? (await this.#connected());
    const now = Date.now();
    const calls: Promise<unknown>[] = [];
    const byQueue = new Map<string, (string | number)[]>();
    for (const message of messages) {
      let args = byQueue.get(message.queue);
      if (args === undefined || args.length >= 2 + 4 * PUBLISH_CHUNK) {
        if (args !== undefined) calls.push(scripts.publish(this.keys.queueKeys(message.queue), args));
        args = [now, this.keys.delayedChannel(message.queue)];
        byQueue.set(message.queue, args);
      }
      args.push(message.id, message.priority, message.eta ?? '', message.body);
    }
    for (const [queue, args] of byQueue) calls.push(scripts.publish(this.keys.queueKeys(queue), args));
    try {
      await withDeadline(Promise.all(calls), this.#publishTimeout, 'publish');
    } catch (error) {
      throw this.#error(error, 'publish');
    }
  }

  /**
   * Deliveries start after this resolves. Each subscription has its own blocking connection; settle
   * deliveries with this broker, with the very object `onDelivery` received. A message that
   * `onDelivery` receives is leased to this subscription until settled (see `visibilityTimeout`).
   */
  async consume(options: ConsumeOptions, onDelivery: (delivery: Delivery) => void): Promise<Subscription> {
    if (this.#lifecycle.closed) throw new BrokerConnectionError('Cannot consume: the Redis broker is closed.');
    const problem = consumeProblem(options);
    if (problem !== undefined) throw new TypeError(problem);
    const scripts = this.#scripts ?? (await this.#connected());
    const consumer = new Consumer(
      this.#consumerHost(scripts),
      [...new Set(options.queues)],
      options.prefetch,
      onDelivery,
    );
    return startConsumer(this.#consumers, consumer, (error) => this.#error(error, 'consume'));
  }

  /** Acknowledgements of one event-loop turn go to Redis in one script call. */
  ack(delivery: Delivery): Promise<void> {
    return this.#settlement.ack(delivery);
  }

  /** Requeue (back to its queue, as a redelivery) or dead-letter. */
  nack(delivery: Delivery, options?: { requeue?: boolean }): Promise<void> {
    if (options?.requeue === false) return this.deadLetter(delivery, 'rejected (nack with requeue: false)');
    return this.#settlement.requeue(delivery);
  }

  deadLetter(delivery: Delivery, reason: string): Promise<void> {
    return this.#settlement.deadLetter(delivery, reason);
  }

  /** Reset the lease of every unsettled delivery given (XCLAIM … JUSTID, one per stream). */
  async extendLease(deliveries: readonly Delivery[]): Promise<void> {
    const claims = new Map<string, string[]>();
    for (const delivery of deliveries) {
      if (!(delivery instanceof RedisDelivery) || delivery.settled) continue;
      const key = `${delivery.owner.name}\n${delivery.stream}`;
      const claim = claims.get(key);
      if (claim === undefined)
        claims.set(key, [delivery.stream, CONSUMER_GROUP, delivery.owner.name, '0', delivery.entryId]);
      else claim.push(delivery.entryId);
    }
    if (claims.size === 0) return;
    const client = this.#command();
    try {
      await Promise.all([...claims.values()].map((args) => client.call('XCLAIM', ...args, 'JUSTID')));
    } catch (error) {
      throw this.#error(error, 'extend leases');
    }
  }

  async purge(queue: string): Promise<number> {
    const scripts = this.#scripts ?? (await this.#connected());
    return (await this.#run('purge', scripts.purge(this.keys.queueKeys(queue), [CONSUMER_GROUP, PURGER]))) as number;
  }

  async stats(queue: string): Promise<QueueStats> {
    const scripts = this.#scripts ?? (await this.#connected());
    const [ready, delayed, unacked, dead] = (await this.#run(
      'read stats',
      scripts.stats(this.keys.queueKeys(queue), [CONSUMER_GROUP]),
    )) as number[];
    return { ready: ready!, delayed: delayed!, unacked: unacked!, dead: dead! };
  }

  async broadcast(channel: string, message: Json): Promise<void> {
    if (this.#lifecycle.closed) throw new PublishError('Cannot broadcast: the Redis broker is closed.');
    if (this.#connections === undefined) await this.#connected();
    await this.#run('broadcast', this.#command().publish(this.keys.broadcastChannel(channel), JSON.stringify(message)));
  }

  /** `handler` gets a freshly parsed message; one that throws is reported, never fatal. */
  async subscribeBroadcast(channel: string, handler: (message: Json) => void): Promise<Subscription> {
    if (this.#lifecycle.closed) throw new BrokerConnectionError('Cannot subscribe: the Redis broker is closed.');
    if (this.#connections === undefined) await this.#connected();
    const unsubscribe = await this.#run(
      'subscribe',
      this.#connections!.pubsub.subscribe(this.keys.broadcastChannel(channel), (text) =>
        handler(JSON.parse(text) as Json),
      ),
    );
    return { close: unsubscribe };
  }

  async #connected(): Promise<BrokerScripts> {
    await this.connect();
    if (this.#scripts === undefined) throw new BrokerConnectionError('The Redis broker was closed while connecting.');
    return this.#scripts;
  }

  #connectedScripts(): BrokerScripts {
    if (this.#scripts === undefined) throw new BrokerConnectionError('The Redis broker is not connected (or closed).');
    return this.#scripts;
  }

  #command(): Redis {
    return this.#live().client;
  }

  #live(): RedisConnections {
    if (this.#connections === undefined)
      throw new BrokerConnectionError('The Redis broker is not connected (or closed).');
    return this.#connections;
  }

  async #run<T>(operation: RedisOperation, reply: Promise<T>): Promise<T> {
    try {
      return await reply;
    } catch (error) {
      throw this.#error(error, operation);
    }
  }

  #error(error: unknown, operation: RedisOperation): Error {
    return toCeleriacError(error, operation, this.#url);
  }

  #consumerHost(scripts: BrokerScripts): ConsumerHost {
    const connections = this.#live();
    return {
      keys: this.keys,
      fetch: scripts.fetch,
      reclaim: scripts.reclaim,
      promote: scripts.promote,
      maxDeadLetters: this.#maxDeadLetters,
      visibilityTimeoutMs: this.#visibilityTimeoutMs,
      sweepIntervalMs: this.capabilities.leaseRenewMs!,
      openBlocking: () => connections.openBlocking(),
      unblock: async (id) => (await connections.unblock(id)) !== 'failed',
      closeConnection,
      subscribe: (channel, listener) => this.#connections!.pubsub.subscribe(channel, listener),
      track: (delivery) => this.#settlement.track(delivery),
      giveBack: (deliveries) => this.#settlement.giveBack(deliveries),
      reportRedis: (error, source) => this.#report(this.#error(error, 'consume'), source),
      report: (error, source) => this.#report(coerceError(error), source),
    };
  }
}

/** Create a {@link RedisBroker}. */
export function createRedisBroker(options?: RedisBrokerOptions): RedisBroker {
  return new RedisBroker(options);
}
