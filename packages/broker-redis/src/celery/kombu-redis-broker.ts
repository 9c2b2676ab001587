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
import { closeConnection, withDeadline } from '../connection.ts';
import { type RedisOperation, toCeleriacError } from '../errors.ts';
import { ConnectionLifecycle } from '../internal/connection-lifecycle.ts';
import { ScriptDeadLetters } from '../internal/dead-letters.ts';
import { startConsumer } from '../internal/fetch-loop.ts';
import { CeleryEventMirror } from './celery-event-mirror.ts';
import {
  type KombuRedisBrokerOptions,
  type ResolvedKombuOptions,
  resolveKombuOptions,
} from './kombu-broker-options.ts';
import { KombuConnection } from './kombu-connection.ts';
import { KombuConsumer, type KombuConsumerHost } from './kombu-consumer.ts';
import { KombuDelivery } from './kombu-delivery.ts';
import { KombuKeys } from './kombu-keys.ts';
import { encodeKombuMessage } from './kombu-message.ts';
import { KombuSettlement } from './kombu-settlement.ts';
import { restoreVisible } from './visibility-restore.ts';

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
  readonly #options: ResolvedKombuOptions;
  readonly #consumers = new Set<KombuConsumer>();
  readonly #settlement: KombuSettlement;
  /** Queues whose `_kombu.binding` entry this broker has declared (Celery declares on publish too). */
  readonly #declared = new Set<string>();
  /** What `connect()` opened; undefined before it and after `close()`. */
  #conn: KombuConnection | undefined;
  readonly #events: CeleryEventMirror;
  #restoreTimer: NodeJS.Timeout | undefined;
  #restoring = false;
  readonly #lifecycle = new ConnectionLifecycle(
    () => this.#open(),
    () => this.#shutDown(),
  );

  constructor(options: KombuRedisBrokerOptions = {}) {
    const resolved = resolveKombuOptions(options);
    this.#options = resolved;
    this.keys = resolved.keys;
    this.#events = new CeleryEventMirror(this.keys);
    this.capabilities = Object.freeze({
      delay: true,
      priorities: true,
      leases: true,
      crossProcess: true,
      leaseRenewMs: resolved.visibilityTimeoutMs / 3,
    });
    // Celeriac's own keys per queue (kombu has none); `requeue` pushes the kombu message as it was
    // back to the end of the list of its priority, as a fresh publish.
    const keys = this.keys;
    const layout = {
      storeKeys: (queue: string) => keys.deadLetters(queue).slice(0, 2),
      requeueCall: (queue: string, id: string) => ({
        keys: [...keys.queueBlock(queue)],
        args: [id, ...keys.steps.map(String)],
      }),
    };
    this.deadLetters = new ScriptDeadLetters(layout, async () => {
      const { scripts } = this.#conn ?? (await this.#connected());
      return {
        list: scripts.deadList,
        requeue: scripts.deadRequeue,
        delete: scripts.deadDelete,
        run: (reply) => this.#run('manage dead letters', reply),
      };
    });
    this.#settlement = new KombuSettlement({
      keys: this.keys,
      maxDeadLetters: resolved.maxDeadLetters,
      settleScript: () => this.#live().scripts.settle,
      run: (operation, reply) => this.#run(operation, reply),
    });
  }

  /** Open the command connection (waiting up to `publishTimeout`). Idempotent; reopens after close. */
  connect(): Promise<void> {
    return this.#lifecycle.connect();
  }

  async #open(): Promise<void> {
    this.#conn = await KombuConnection.open(this.#options, {
      command: () => this.#command(),
      toError: (error, operation) => this.#error(error, operation),
    });
  }

  /** Stop every subscription, give unsettled deliveries back to the front of their lists (redelivered), close connections. */
  close(): Promise<void> {
    return this.#lifecycle.close();
  }

  async #shutDown(): Promise<void> {
    clearInterval(this.#restoreTimer);
    this.#restoreTimer = undefined;
    const consumers = [...this.#consumers];
    this.#consumers.clear();
    await Promise.all(consumers.map((consumer) => consumer.close()));
    try {
      await this.#settlement.returnHeld();
    } catch (error) {
      this.#options.report(
        this.#error(error, 'settle'),
        'giving unsettled deliveries back on close (kombu restores them later)',
      );
    }
    const conn = this.#conn!;
    await conn.stop();
    this.#conn = undefined;
    this.#declared.clear();
    await conn.disconnect();
  }

  /**
   * LPUSH each message to the list of its priority, as kombu's `_put`; one with a future eta is
   * parked in the queue's delayed set instead (and announced, so promoters re-arm). Also declares
   * each queue's binding as Celery does on publish. One MULTI per call.
   */
  async publish(messages: readonly OutgoingMessage[]): Promise<void> {
    if (this.#lifecycle.closed) throw new PublishError('Cannot publish: the Redis broker is closed.');
    for (const message of messages) {
      const problem = messageProblem(message);
      if (problem !== undefined) throw new PublishError(problem);
    }
    if (messages.length === 0) return;
    if (this.#conn === undefined) await this.#connected();
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
      await withDeadline(multi.exec(), this.#options.publishTimeout, 'publish');
    } catch (error) {
      throw this.#error(error, 'publish');
    }
    for (const [queue, eta] of delayedQueues) {
      this.#conn?.promoter.watch(queue).catch(() => undefined);
      this.#conn?.promoter.schedule(eta);
    }
  }

  /** Deliveries start after this resolves; each subscription has its own blocking connection. */
  async consume(options: ConsumeOptions, onDelivery: (delivery: Delivery) => void): Promise<Subscription> {
    if (this.#lifecycle.closed) throw new BrokerConnectionError('Cannot consume: the Redis broker is closed.');
    const problem = consumeProblem(options);
    if (problem !== undefined) throw new TypeError(problem);
    const conn = this.#conn ?? (await this.#connected());
    const queues = [...new Set(options.queues)];
    const declare = this.#command().multi();
    for (const queue of queues) this.#declare(declare, queue);
    await this.#run('consume', declare.exec());
    await Promise.all(queues.map((queue) => conn.promoter.watch(queue)));
    this.#startRestoring();
    const consumer = new KombuConsumer(this.#consumerHost(conn), queues, options.prefetch, onDelivery);
    return startConsumer(this.#consumers, consumer, (error) => this.#error(error, 'consume'));
  }

  /** Removes the delivery from kombu's `unacked` and `unacked_index`, as kombu's ack. */
  ack(delivery: Delivery): Promise<void> {
    return this.#settlement.ack(delivery);
  }

  /** Requeue (to the back of its list, marked redelivered, as kombu's reject) or dead-letter. */
  nack(delivery: Delivery, options?: { requeue?: boolean }): Promise<void> {
    if (options?.requeue === false) return this.deadLetter(delivery, 'rejected (nack with requeue: false)');
    return this.#settlement.requeue(delivery);
  }

  deadLetter(delivery: Delivery, reason: string): Promise<void> {
    return this.#settlement.deadLetter(delivery, reason);
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
    const { scripts } = this.#conn ?? (await this.#connected());
    const [delayed, parked] = this.keys.delayed(queue);
    return (await this.#run('purge', scripts.purge([delayed, parked, ...this.keys.lists(queue)], []))) as number;
  }

  async stats(queue: string): Promise<QueueStats> {
    const { scripts } = this.#conn ?? (await this.#connected());
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
    if (this.#lifecycle.closed) throw new PublishError('Cannot broadcast: the Redis broker is closed.');
    if (this.#conn === undefined) await this.#connected();
    if (channel === REPLY_CHANNEL && this.#conn?.pidbox.takeReply(message)) return;
    await this.#run('broadcast', this.#command().publish(this.keys.broadcastChannel(channel), JSON.stringify(message)));
    if (channel === EVENTS_CHANNEL) {
      await this.#events.mirror(this.#command(), message).catch((error: unknown) => {
        this.#options.report(this.#error(error, 'broadcast'), "mirroring events onto Celery's celeryev");
      });
    }
  }

  /**
   * `handler` gets a freshly parsed message; one that throws is reported, never fatal. A listener
   * of core's control channel (a worker) also answers Celery's remote control while subscribed.
   */
  async subscribeBroadcast(channel: string, handler: (message: Json) => void): Promise<Subscription> {
    if (this.#lifecycle.closed) throw new BrokerConnectionError('Cannot subscribe: the Redis broker is closed.');
    const conn = this.#conn ?? (await this.#connected());
    const unsubscribe = await this.#run(
      'subscribe',
      conn.pubsub.subscribe(this.keys.broadcastChannel(channel), (text) => handler(JSON.parse(text) as Json)),
    );
    if (channel !== CONTROL_CHANNEL || this.#conn === undefined) return { close: unsubscribe };
    const detach = await this.#run('subscribe', this.#conn.pidbox.attach(handler));
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
    this.#restoreTimer = setInterval(() => void this.#restore(), this.#options.sweepMs);
    this.#restoreTimer.unref();
    void this.#restore();
  }

  async #restore(): Promise<void> {
    const conn = this.#conn;
    if (this.#restoring || conn === undefined) return;
    this.#restoring = true;
    try {
      await restoreVisible(this.keys, conn.scripts.restore, this.#options.visibilityTimeoutMs);
    } catch (error) {
      if (!this.#lifecycle.closed)
        this.#options.report(this.#error(error, 'consume'), 'restoring unacked messages (visibility timeout)');
    } finally {
      this.#restoring = false;
    }
  }

  /** The open connection, connecting first when needed. */
  async #connected(): Promise<KombuConnection> {
    await this.connect();
    if (this.#conn === undefined) throw new BrokerConnectionError('The Redis broker was closed while connecting.');
    return this.#conn;
  }

  /** The open connection, or BrokerConnectionError. */
  #live(): KombuConnection {
    if (this.#conn === undefined) throw new BrokerConnectionError('The Redis broker is not connected (or closed).');
    return this.#conn;
  }

  #command(): Redis {
    return this.#live().client;
  }

  async #run<T>(operation: RedisOperation, reply: Promise<T>): Promise<T> {
    try {
      return await reply;
    } catch (error) {
      throw this.#error(error, operation);
    }
  }

  #error(error: unknown, operation: RedisOperation): Error {
    return toCeleriacError(error, operation, this.#options.url);
  }

  #consumerHost(conn: KombuConnection): KombuConsumerHost {
    return {
      keys: this.keys,
      fetch: conn.scripts.fetch,
      maxDeadLetters: this.#options.maxDeadLetters,
      openBlocking: () => conn.openBlocking(),
      unblock: (id) => conn.unblock(id),
      closeConnection,
      track: (delivery) => this.#settlement.track(delivery),
      giveBack: (deliveries) => this.#settlement.giveBack(deliveries),
      reject: (queue, fields) => this.#settlement.deadLetterTaken(queue, { ...fields, body: fields.raw }),
      parked: (eta) => this.#conn?.promoter.schedule(eta),
      reportRedis: (error, source) => this.#options.report(this.#error(error, 'consume'), source),
      report: (error, source) => this.#options.report(coerceError(error), source),
    };
  }
}

/** Create a {@link KombuRedisBroker}. */
export function createKombuRedisBroker(options?: KombuRedisBrokerOptions): KombuRedisBroker {
  return new KombuRedisBroker(options);
}
