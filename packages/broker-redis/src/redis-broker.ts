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
import {
  closeConnection,
  DEFAULT_URL,
  type ErrorReporter,
  openCommandConnection,
  openConnection,
  openSubscriberConnection,
  reportToConsole,
  watchConnection,
  whenReady,
  withDeadline,
} from './connection.ts';
import { type RedisOperation, toCeleriacError } from './errors.ts';
import { Consumer, type ConsumerHost } from './internal/consumer.ts';
import { ScriptDeadLetters } from './internal/dead-letters.ts';
import { RedisDelivery } from './internal/delivery.ts';
import { startConsumer } from './internal/fetch-loop.ts';
import { RedisSettlement } from './internal/settlement.ts';
import { CONSUMER_GROUP, KeySpace } from './keys.ts';
import { PubSub } from './pubsub.ts';
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

const RESOLVED: Promise<void> = Promise.resolve();
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
  #client: Redis | undefined;
  #scripts: BrokerScripts | undefined;
  #pubsub: PubSub | undefined;
  #connecting: Promise<void> | undefined;
  /** The last close, which a second `close()` call waits for. */
  #closing: Promise<void> | undefined;
  #closed = false;

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
    if (this.#connecting === undefined) {
      this.#closed = false;
      this.#connecting = this.#open();
      this.#connecting.catch(() => {
        this.#connecting = undefined;
      });
    }
    return this.#connecting;
  }

  async #open(): Promise<void> {
    // Reopening waits for a close in progress, which still uses the old connections.
    await this.#closing;
    const client = await openCommandConnection({
      given: this.#options.connection,
      url: this.#url,
      owner: 'broker',
      report: this.#report,
      timeoutMs: this.#publishTimeout,
    });
    const script = (name: Parameters<typeof defineScript>[1]) => defineScript(client, name);
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
    this.#pubsub = new PubSub(() => openSubscriberConnection(this.#url, 'broker', client, this.#report), this.#report);
    this.#client = client;
  }

  /**
   * Stop every subscription, give unsettled deliveries back to their queues (as redeliveries),
   * and close the connections the broker opened.
   */
  close(): Promise<void> {
    const connecting = this.#connecting;
    if (connecting === undefined) return this.#closing ?? RESOLVED;
    this.#closed = true;
    this.#connecting = undefined;
    this.#closing = this.#shutDown(connecting);
    return this.#closing;
  }

  async #shutDown(connecting: Promise<void>): Promise<void> {
    if (
      !(await connecting.then(
        () => true,
        () => false,
      ))
    )
      return;
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
    const client = this.#client!;
    const pubsub = this.#pubsub!;
    this.#client = undefined;
    this.#scripts = undefined;
    this.#pubsub = undefined;
    await pubsub.close(closeConnection);
    if (this.#options.connection === undefined) await closeConnection(client);
  }

  async publish(messages: readonly OutgoingMessage[]): Promise<void> {
    if (this.#closed) throw new PublishError('Cannot publish: the Redis broker is closed.');
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
    if (this.#closed) throw new BrokerConnectionError('Cannot consume: the Redis broker is closed.');
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
    if (this.#closed) throw new PublishError('Cannot broadcast: the Redis broker is closed.');
    if (this.#client === undefined) await this.#connected();
    await this.#run('broadcast', this.#command().publish(this.keys.broadcastChannel(channel), JSON.stringify(message)));
  }

  /** `handler` gets a freshly parsed message; one that throws is reported, never fatal. */
  async subscribeBroadcast(channel: string, handler: (message: Json) => void): Promise<Subscription> {
    if (this.#closed) throw new BrokerConnectionError('Cannot subscribe: the Redis broker is closed.');
    if (this.#pubsub === undefined) await this.#connected();
    const unsubscribe = await this.#run(
      'subscribe',
      this.#pubsub!.subscribe(this.keys.broadcastChannel(channel), (text) => handler(JSON.parse(text) as Json)),
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
    if (this.#client === undefined) throw new BrokerConnectionError('The Redis broker is not connected (or closed).');
    return this.#client;
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
    const client = this.#command();
    return {
      keys: this.keys,
      fetch: scripts.fetch,
      reclaim: scripts.reclaim,
      promote: scripts.promote,
      maxDeadLetters: this.#maxDeadLetters,
      visibilityTimeoutMs: this.#visibilityTimeoutMs,
      sweepIntervalMs: this.capabilities.leaseRenewMs!,
      openBlocking: async () => {
        const blocking = openConnection(this.#url, 'blocking', 'broker', client);
        watchConnection(blocking, this.#url, 'broker blocking connection', this.#report);
        try {
          await whenReady(blocking, this.#publishTimeout, this.#url, 'consume');
        } catch (error) {
          blocking.disconnect();
          throw error;
        }
        return blocking;
      },
      unblock: async (id) => {
        try {
          await withDeadline(client.call('CLIENT', 'UNBLOCK', String(id)), 1000, 'CLIENT UNBLOCK');
          return true;
        } catch {
          return false;
        }
      },
      closeConnection,
      subscribe: (channel, listener) => this.#pubsub!.subscribe(channel, listener),
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
