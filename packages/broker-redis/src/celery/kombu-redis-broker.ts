import {
  type Broker,
  type BrokerCapabilities,
  BrokerConnectionError,
  CONTROL_CHANNEL,
  type ConsumeOptions,
  coerceError,
  consumeProblem,
  type DeadLetterStore,
  type Delivery,
  EVENTS_CHANNEL,
  type Json,
  messageProblem,
  type OutgoingMessage,
  PublishError,
  type QueueStats,
  REPLY_CHANNEL,
  type Subscription,
} from '@celeriac/core';
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
import { type RedisOperation, toCeleriacError } from '../errors.ts';
import { PubSub } from '../pubsub.ts';
import type { Script } from '../scripts.ts';
import { CeleryEventMirror } from './celery-event-mirror.ts';
import { type CeleryScriptName, defineCeleryScript } from './celery-scripts.ts';
import { DelayedPromoter } from './delayed-promoter.ts';
import { type KombuRedisBrokerOptions, resolveKombuOptions } from './kombu-broker-options.ts';
import { KombuConsumer, type KombuConsumerHost } from './kombu-consumer.ts';
import { KombuDeadLetters } from './kombu-dead-letters.ts';
import { KombuDelivery } from './kombu-delivery.ts';
import { KombuKeys } from './kombu-keys.ts';
import { encodeKombuMessage, markRedelivered } from './kombu-message.ts';
import { PidboxBridge } from './pidbox-bridge.ts';
import { restoreVisible } from './visibility-restore.ts';

type BrokerScripts = Record<
  'fetch' | 'settle' | 'restore' | 'promote' | 'purge' | 'stats' | 'deadList' | 'deadRequeue' | 'deadDelete',
  Script
>;

const SCRIPT_FILES: Record<keyof BrokerScripts, CeleryScriptName> = {
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

const RESOLVED: Promise<void> = Promise.resolve();

/**
 * A Celeriac broker that reads and writes kombu 5.2's Redis transport layout, so Celery workers
 * and clients share its queues: a list per queue and priority step holding kombu's JSON envelope
 * (Celery protocol 2, body base64), LPUSH by producers and RPOP/BRPOP by consumers, kombu's
 * `unacked` / `unacked_index` bookkeeping restored after the visibility timeout by whichever
 * consumer (Celery's or ours) sweeps first, and the `_kombu.binding.<queue>` entries Celery
 * declares. Messages with a future eta are parked in a Celeriac sorted set and moved back when due.
 * What app `protocol: 'celery'` opens for a `redis://` broker. See the package README (Celery mode).
 */
export class KombuRedisBroker implements Broker {
  readonly capabilities: BrokerCapabilities;
  readonly deadLetters: DeadLetterStore;
  /** Key and channel names. */
  readonly keys: KombuKeys;
  readonly #url: string;
  readonly #options: KombuRedisBrokerOptions;
  readonly #visibilityTimeoutMs: number;
  readonly #sweepMs: number;
  readonly #maxDeadLetters: number;
  readonly #publishTimeout: number;
  readonly #report: ErrorReporter;
  readonly #consumers = new Set<KombuConsumer>();
  readonly #held = new Set<KombuDelivery>();
  /** Queues whose `_kombu.binding` entry this broker has declared (Celery declares on publish too). */
  readonly #declared = new Set<string>();
  #client: Redis | undefined;
  #scripts: BrokerScripts | undefined;
  #pubsub: PubSub | undefined;
  #promoter: DelayedPromoter | undefined;
  #pidbox: PidboxBridge | undefined;
  readonly #events: CeleryEventMirror;
  #restoreTimer: NodeJS.Timeout | undefined;
  #restoring = false;
  #connecting: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #closed = false;

  constructor(options: KombuRedisBrokerOptions = {}) {
    const resolved = resolveKombuOptions(options);
    this.#options = options;
    this.#url = resolved.url;
    this.#visibilityTimeoutMs = resolved.visibilityTimeoutMs;
    this.#sweepMs = resolved.sweepMs;
    this.#maxDeadLetters = resolved.maxDeadLetters;
    this.#publishTimeout = resolved.publishTimeout;
    this.#report = resolved.report;
    this.keys = resolved.keys;
    this.#events = new CeleryEventMirror(this.keys);
    this.capabilities = Object.freeze({
      delay: true,
      priorities: true,
      leases: true,
      crossProcess: true,
      leaseRenewMs: this.#visibilityTimeoutMs / 3,
    });
    this.deadLetters = new KombuDeadLetters(this.keys, async () => {
      const scripts = this.#scripts ?? (await this.#connected());
      return {
        list: scripts.deadList,
        requeue: scripts.deadRequeue,
        delete: scripts.deadDelete,
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
    await this.#closing;
    const client = await openCommandConnection({
      given: this.#options.connection,
      url: this.#url,
      owner: 'broker',
      report: this.#report,
      timeoutMs: this.#publishTimeout,
    });
    const scripts = Object.fromEntries(
      Object.entries(SCRIPT_FILES).map(([name, file]) => [name, defineCeleryScript(client, file)]),
    ) as BrokerScripts;
    const pubsub = new PubSub(() => openSubscriberConnection(this.#url, 'broker', client, this.#report), this.#report);
    this.#promoter = new DelayedPromoter(
      {
        keys: this.keys,
        promote: scripts.promote,
        subscribe: (channel, listener) => pubsub.subscribe(channel, listener),
        report: (error, source) => this.#report(this.#error(error, 'consume'), source),
      },
      this.#sweepMs,
    );
    this.#pidbox = new PidboxBridge({
      keys: this.keys,
      client: () => this.#command(),
      subscribe: (channel, listener) => pubsub.subscribe(channel, listener),
      report: (error, source) => this.#report(error, source),
    });
    this.#scripts = scripts;
    this.#pubsub = pubsub;
    this.#client = client;
  }

  /** Stop every subscription, give unsettled deliveries back to the front of their lists (redelivered), close connections. */
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
    clearInterval(this.#restoreTimer);
    this.#restoreTimer = undefined;
    const consumers = [...this.#consumers];
    this.#consumers.clear();
    await Promise.all(consumers.map((consumer) => consumer.close()));
    const unsettled = [...this.#held];
    for (const delivery of unsettled) this.#release(delivery);
    try {
      // To the front, as kombu's restore_unacked at shutdown: what was prefetched keeps its place.
      await Promise.all(unsettled.map((delivery) => this.#settle(delivery, 'return', markRedelivered(delivery.raw))));
    } catch (error) {
      this.#report(
        this.#error(error, 'settle'),
        'giving unsettled deliveries back on close (kombu restores them later)',
      );
    }
    await this.#promoter?.close();
    await this.#pidbox?.close();
    const client = this.#client!;
    const pubsub = this.#pubsub!;
    this.#client = undefined;
    this.#scripts = undefined;
    this.#pubsub = undefined;
    this.#promoter = undefined;
    this.#pidbox = undefined;
    this.#declared.clear();
    await pubsub.close(closeConnection);
    if (this.#options.connection === undefined) await closeConnection(client);
  }

  /**
   * LPUSH each message to the list of its priority, as kombu's `_put`; one with a future eta is
   * parked in the queue's delayed set instead (and announced, so promoters re-arm). Also declares
   * each queue's binding as Celery does on publish. One MULTI per call.
   */
  async publish(messages: readonly OutgoingMessage[]): Promise<void> {
    if (this.#closed) throw new PublishError('Cannot publish: the Redis broker is closed.');
    for (const message of messages) {
      const problem = messageProblem(message);
      if (problem !== undefined) throw new PublishError(problem);
    }
    if (messages.length === 0) return;
    if (this.#client === undefined) await this.#connected();
    const client = this.#command();
    const now = Date.now();
    const multi = client.multi();
    const delayedQueues = new Map<string, number>();
    for (const message of messages) {
      this.#declare(multi, message.queue);
      const { tag, text, kombuPriority } = encodeKombuMessage(message);
      if (message.eta !== undefined && message.eta > now) {
        const [delayed, parked] = this.keys.delayed(message.queue);
        multi.zadd(delayed, message.eta, tag).hset(parked, tag, text);
        delayedQueues.set(message.queue, Math.min(delayedQueues.get(message.queue) ?? message.eta, message.eta));
      } else {
        multi.lpush(this.keys.listFor(message.queue, kombuPriority), text);
      }
    }
    for (const [queue, eta] of delayedQueues) multi.publish(this.keys.delayedChannel(queue), String(eta));
    try {
      await withDeadline(multi.exec(), this.#publishTimeout, 'publish');
    } catch (error) {
      throw this.#error(error, 'publish');
    }
    for (const [queue, eta] of delayedQueues) {
      this.#promoter?.watch(queue).catch(() => undefined);
      this.#promoter?.schedule(eta);
    }
  }

  /** Deliveries start after this resolves; each subscription has its own blocking connection. */
  async consume(options: ConsumeOptions, onDelivery: (delivery: Delivery) => void): Promise<Subscription> {
    if (this.#closed) throw new BrokerConnectionError('Cannot consume: the Redis broker is closed.');
    const problem = consumeProblem(options);
    if (problem !== undefined) throw new TypeError(problem);
    const scripts = this.#scripts ?? (await this.#connected());
    const queues = [...new Set(options.queues)];
    const declare = this.#command().multi();
    for (const queue of queues) this.#declare(declare, queue);
    await this.#run('consume', declare.exec());
    await Promise.all(queues.map((queue) => this.#promoter!.watch(queue)));
    this.#startRestoring();
    const consumer = new KombuConsumer(this.#consumerHost(scripts), queues, options.prefetch, onDelivery);
    this.#consumers.add(consumer);
    try {
      await consumer.start();
    } catch (error) {
      this.#consumers.delete(consumer);
      await consumer.close();
      throw this.#error(error, 'consume');
    }
    return {
      close: async () => {
        this.#consumers.delete(consumer);
        await consumer.close();
      },
    };
  }

  /** Removes the delivery from kombu's `unacked` and `unacked_index`, as kombu's ack. */
  ack(delivery: Delivery): Promise<void> {
    if (!(delivery instanceof KombuDelivery) || delivery.settled) return RESOLVED;
    this.#release(delivery);
    return this.#settle(delivery, 'ack', '');
  }

  /** Requeue (to the back of its list, marked redelivered, as kombu's reject) or dead-letter. */
  nack(delivery: Delivery, options?: { requeue?: boolean }): Promise<void> {
    if (options?.requeue === false) return this.deadLetter(delivery, 'rejected (nack with requeue: false)');
    if (!(delivery instanceof KombuDelivery) || delivery.settled) return RESOLVED;
    this.#release(delivery);
    return this.#settle(delivery, 'requeue', markRedelivered(delivery.raw));
  }

  deadLetter(delivery: Delivery, reason: string): Promise<void> {
    if (!(delivery instanceof KombuDelivery) || delivery.settled) return RESOLVED;
    this.#release(delivery);
    return this.#deadLetterRaw(delivery.queue, {
      tag: delivery.tag,
      id: delivery.id,
      body: delivery.body,
      raw: delivery.raw,
      reason,
    });
  }

  /** Sets each held delivery's `unacked_index` score to now (ZADD XX), so no restore takes it. */
  async extendLease(deliveries: readonly Delivery[]): Promise<void> {
    const now = Date.now() / 1000;
    const args: (string | number)[] = [];
    for (const delivery of deliveries) {
      if (delivery instanceof KombuDelivery && !delivery.settled) args.push(now, delivery.tag);
    }
    if (args.length === 0) return;
    await this.#run('extend leases', this.#command().zadd(this.keys.unackedIndex, 'XX', ...args));
  }

  async purge(queue: string): Promise<number> {
    const scripts = this.#scripts ?? (await this.#connected());
    const [delayed, parked] = this.keys.delayed(queue);
    return (await this.#run('purge', scripts.purge([delayed, parked, ...this.keys.lists(queue)], []))) as number;
  }

  async stats(queue: string): Promise<QueueStats> {
    const scripts = this.#scripts ?? (await this.#connected());
    const [delayed] = this.keys.delayed(queue);
    const [deadIds] = this.keys.deadLetters(queue);
    const [ready, delayedCount, unacked, dead] = (await this.#run(
      'read stats',
      scripts.stats(
        [this.keys.unacked, delayed, deadIds, ...this.keys.lists(queue)],
        [queue, this.keys.globalPrefix, '\x06\x16'],
      ),
    )) as number[];
    return { ready: ready!, delayed: delayedCount!, unacked: unacked!, dead: dead! };
  }

  /**
   * PUBLISH on Celeriac's channel. Core's event batches are also mirrored onto Celery's `celeryev`
   * (so `celery events` and Flower see Celeriac workers), and a worker's reply to a Celery control
   * request goes to the Celery client instead.
   */
  async broadcast(channel: string, message: Json): Promise<void> {
    if (this.#closed) throw new PublishError('Cannot broadcast: the Redis broker is closed.');
    if (this.#client === undefined) await this.#connected();
    if (channel === REPLY_CHANNEL && this.#pidbox?.takeReply(message)) return;
    await this.#run('broadcast', this.#command().publish(this.keys.broadcastChannel(channel), JSON.stringify(message)));
    if (channel === EVENTS_CHANNEL) {
      await this.#events.mirror(this.#command(), message).catch((error: unknown) => {
        this.#report(this.#error(error, 'broadcast'), "mirroring events onto Celery's celeryev");
      });
    }
  }

  /**
   * `handler` gets a freshly parsed message; one that throws is reported, never fatal. A listener
   * of core's control channel (a worker) also answers Celery's remote control while subscribed.
   */
  async subscribeBroadcast(channel: string, handler: (message: Json) => void): Promise<Subscription> {
    if (this.#closed) throw new BrokerConnectionError('Cannot subscribe: the Redis broker is closed.');
    if (this.#pubsub === undefined) await this.#connected();
    const unsubscribe = await this.#run(
      'subscribe',
      this.#pubsub!.subscribe(this.keys.broadcastChannel(channel), (text) => handler(JSON.parse(text) as Json)),
    );
    if (channel !== CONTROL_CHANNEL || this.#pidbox === undefined) return { close: unsubscribe };
    const detach = await this.#run('subscribe', this.#pidbox.attach(handler));
    return {
      close: async () => {
        await detach();
        await unsubscribe();
      },
    };
  }

  /** SADD `_kombu.binding.<queue>` `<queue>\x06\x16\x06\x16<queue>`: Celery's queue declaration. */
  #declare(multi: ReturnType<Redis['multi']>, queue: string): void {
    if (this.#declared.has(queue)) return;
    this.#declared.add(queue);
    multi.sadd(this.keys.binding(queue), KombuKeys.bindingEntry(queue, '', queue));
  }

  #startRestoring(): void {
    if (this.#restoreTimer !== undefined) return;
    this.#restoreTimer = setInterval(() => void this.#restore(), this.#sweepMs);
    this.#restoreTimer.unref();
    void this.#restore();
  }

  async #restore(): Promise<void> {
    const scripts = this.#scripts;
    if (this.#restoring || scripts === undefined) return;
    this.#restoring = true;
    try {
      await restoreVisible(this.keys, scripts.restore, this.#visibilityTimeoutMs);
    } catch (error) {
      if (!this.#closed) this.#report(this.#error(error, 'consume'), 'restoring unacked messages (visibility timeout)');
    } finally {
      this.#restoring = false;
    }
  }

  async #settle(delivery: KombuDelivery, mode: 'ack' | 'requeue' | 'return', payload: string): Promise<void> {
    const settle = this.#connectedScripts().settle;
    const target = mode === 'ack' ? '' : this.keys.listFor(delivery.queue, this.#kombuPriority(delivery));
    await this.#run(
      'settle',
      settle([this.keys.unacked, this.keys.unackedIndex, target], [mode, delivery.tag, payload]),
    );
  }

  #kombuPriority(delivery: KombuDelivery): number {
    return 9 - delivery.priority;
  }

  async #deadLetterRaw(
    queue: string,
    letter: { tag: string; id: string; body: string; raw: string; reason: string },
  ): Promise<void> {
    const settle = this.#connectedScripts().settle;
    const record = JSON.stringify({
      id: letter.id,
      queue,
      body: letter.body,
      reason: letter.reason,
      deadLetteredAt: Date.now(),
      raw: letter.raw,
    });
    await this.#run(
      'settle',
      settle(
        [this.keys.unacked, this.keys.unackedIndex, ...this.keys.deadLetters(queue)],
        ['dead', letter.tag, record, letter.id, this.#maxDeadLetters],
      ),
    );
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

  #release(delivery: KombuDelivery): void {
    delivery.settled = true;
    this.#held.delete(delivery);
    delivery.owner.release();
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

  #consumerHost(scripts: BrokerScripts): KombuConsumerHost {
    const client = this.#command();
    return {
      keys: this.keys,
      fetch: scripts.fetch,
      maxDeadLetters: this.#maxDeadLetters,
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
          const reply = await withDeadline(client.call('CLIENT', 'UNBLOCK', String(id)), 1000, 'CLIENT UNBLOCK');
          return reply === 1 ? 'unblocked' : 'not blocked';
        } catch {
          return 'failed';
        }
      },
      closeConnection,
      track: (delivery) => this.#held.add(delivery),
      giveBack: async (deliveries) => {
        await Promise.all(deliveries.map((delivery) => this.#settle(delivery, 'return', delivery.raw)));
      },
      reject: (queue, fields) => this.#deadLetterRaw(queue, { ...fields, body: fields.raw }),
      parked: (eta) => this.#promoter?.schedule(eta),
      reportRedis: (error, source) => this.#report(this.#error(error, 'consume'), source),
      report: (error, source) => this.#report(coerceError(error), source),
    };
  }
}

/** Create a {@link KombuRedisBroker}. */
export function createKombuRedisBroker(options?: KombuRedisBrokerOptions): KombuRedisBroker {
  return new KombuRedisBroker(options);
}
