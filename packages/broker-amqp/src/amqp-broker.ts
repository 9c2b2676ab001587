import {
  type Broker,
  type BrokerCapabilities,
  ConfigError,
  type ConsumeOptions,
  type DeadLetterStore,
  type Delivery,
  type Json,
  type OutgoingMessage,
  PublishError,
  type QueueStats,
  type Subscription,
} from '@celeriac/core';
import type { ConsumeMessage, GetMessage, Message, Options } from 'amqplib';
import { BroadcastHub } from './broadcast.ts';
import { CeleryMode } from './celery/celery-mode.ts';
import { declareCeleryQueue } from './celery/queues.ts';
import { AmqpDelivery, AmqpSubscription, type ConsumerHost, type Lane, settle } from './consumer.ts';
import { AmqpDeadLetterStore } from './dead-letter-store.ts';
import { Declarer } from './declarer.ts';
import { toCeleriacError } from './errors.ts';
import { type AmqpBrokerOptions, type ResolvedOptions, resolveOptions } from './options.ts';
import type { PublishItem } from './publisher.ts';
import { Publisher } from './publisher.ts';
import { ConnectionKeeper } from './reconnect.ts';
import {
  assertQueueName,
  DEAD_AT_HEADER,
  DELAY_LEVELS,
  ETA_HEADER,
  QUEUE_HEADER,
  REASON_HEADER,
  Topology,
} from './topology.ts';

const CAPABILITIES: BrokerCapabilities = Object.freeze({
  delay: true,
  priorities: true,
  leases: false,
  crossProcess: true,
});
const WITHOUT_PRIORITIES: BrokerCapabilities = Object.freeze({ ...CAPABILITIES, priorities: false });

/**
 * A Celeriac broker on RabbitMQ (AMQP 0-9-1, amqplib). Durable queues with `x-max-priority`,
 * persistent messages published on a confirm channel, `basic.qos` prefetch shared across a
 * subscription's queues, manual acks, a dead-letter queue per queue, delays in fixed TTL buckets
 * (no plugin), broadcasts on a topic exchange, and reconnection with backoff. The package README
 * describes the topology and the guarantees. With `protocol: 'celery'` it speaks Celery's protocol
 * on Celery's queues (`celery/celery-mode.ts`, README "Celery mode").
 */
export class AmqpBroker implements Broker {
  readonly capabilities: BrokerCapabilities;
  readonly deadLetters: DeadLetterStore;
  /** The AMQP names this broker uses (queues, buckets, exchanges) under `queuePrefix`. */
  readonly topology: Topology;
  readonly #options: ResolvedOptions;
  readonly #producer: ConnectionKeeper;
  readonly #consumer: ConnectionKeeper;
  readonly #declarer: Declarer;
  readonly #publisher: Publisher;
  readonly #hub: BroadcastHub;
  readonly #subscriptions = new Set<AmqpSubscription>();
  readonly #unacked = new Map<string, number>();
  readonly #consumerHost: ConsumerHost;
  /** Set with `protocol: 'celery'`: Celery's wire format, queues, events and pidbox. */
  readonly #celery: CeleryMode | undefined;
  #connecting: Promise<void> | undefined;
  #closed = false;

  constructor(options: AmqpBrokerOptions = {}) {
    const resolved = resolveOptions(options);
    this.#options = resolved;
    this.capabilities = resolved.maxPriority === 0 ? WITHOUT_PRIORITIES : CAPABILITIES;
    this.topology = new Topology(resolved.queuePrefix);
    this.#producer = new ConnectionKeeper(resolved, 'producer');
    this.#consumer = new ConnectionKeeper(resolved, 'consumer');
    const celery = resolved.protocol === 'celery';
    this.#declarer = new Declarer(this.#producer, resolved, this.topology, celery ? declareCeleryQueue : undefined);
    this.#publisher = new Publisher(this.#producer, resolved, this.#declarer, this.topology);
    this.#hub = new BroadcastHub(this.#consumer, this.#declarer, resolved, this.topology);
    this.#celery = celery
      ? new CeleryMode({
          producer: this.#producer,
          consumer: this.#consumer,
          publisher: this.#publisher,
          options: resolved,
          topology: this.topology,
        })
      : undefined;
    this.deadLetters = new AmqpDeadLetterStore(
      this.#producer,
      this.#declarer,
      resolved,
      this.topology,
      (queue, message) => this.#requeueDeadLetter(queue, message),
      this.#celery?.readDeadLetter,
    );
    this.#consumerHost = {
      keeper: this.#consumer,
      declarer: this.#declarer,
      options: resolved,
      topology: this.topology,
      unacked: this.#unacked,
      redelay: (lane, queue, message) => this.#redelay(lane, queue, message),
      ...(this.#celery === undefined ? {} : { screen: this.#celery.screen }),
    };
  }

  /** Every queue and exchange this instance has declared (for cleanup tooling and tests). */
  get declared(): ReadonlySet<string> {
    return this.#declarer.declared;
  }

  connect(): Promise<void> {
    this.#closed = false;
    this.#producer.start();
    // Shared by every queue's delays: declared ahead, so the first delayed publish waits less.
    this.#declarer.ensureDelayExchanges().catch(() => undefined);
    this.#connecting ??= this.#producer.get(this.#options.publishTimeout).then(
      () => {
        this.#connecting = undefined;
      },
      (error: unknown) => {
        this.#connecting = undefined;
        throw toCeleriacError(error, 'connect', this.#options.url);
      },
    );
    return this.#connecting;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const subscriptions = [...this.#subscriptions];
    this.#subscriptions.clear();
    this.#hub.clear();
    await this.#celery?.close();
    // Closing the connection returns every unsettled delivery to its queue.
    await Promise.all(subscriptions.map((subscription) => subscription.terminate()));
    await Promise.all([this.#consumer.close(), this.#producer.close()]);
    this.#unacked.clear();
  }

  async publish(messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    this.#assertOpen('publish');
    const now = Date.now();
    const items: PublishItem[] = new Array(messages.length);
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i]!;
      assertQueueName(message.queue);
      items[i] =
        this.#celery?.taskItem(message, now) ??
        this.#taskItem(message.queue, message.id, message.body, message.priority, message.eta, now);
    }
    this.#producer.start();
    await this.#publisher.send(items, 'publish');
  }

  async consume(options: ConsumeOptions, onDelivery: (delivery: Delivery) => void): Promise<Subscription> {
    this.#assertOpen('consume');
    if (options.queues.length === 0) throw new ConfigError('consume() needs at least one queue.');
    for (const queue of options.queues) assertQueueName(queue);
    if (!Number.isInteger(options.prefetch) || options.prefetch < 1 || options.prefetch > 65_535) {
      throw new ConfigError(`prefetch must be an integer from 1 to 65535 (AMQP's limit), got ${options.prefetch}.`);
    }
    this.#producer.start();
    this.#consumer.start();
    const subscription = new AmqpSubscription(this.#consumerHost, [...options.queues], options.prefetch, onDelivery);
    await subscription.start();
    this.#subscriptions.add(subscription);
    return {
      close: async () => {
        this.#subscriptions.delete(subscription);
        await subscription.close();
      },
    };
  }

  async ack(delivery: Delivery): Promise<void> {
    if (delivery instanceof AmqpDelivery && delivery.state === 'held') settle(delivery, 'ack', this.#unacked);
  }

  async nack(delivery: Delivery, options: { requeue?: boolean } = {}): Promise<void> {
    if (options.requeue === false) {
      await this.deadLetter(delivery, 'rejected by the consumer (nack without requeue)');
      return;
    }
    if (delivery instanceof AmqpDelivery && delivery.state === 'held') settle(delivery, 'requeue', this.#unacked);
  }

  /**
   * Publish the message to its queue's dead-letter queue, with the reason and time in headers,
   * then ack it. Should the publish fail, the message is requeued instead and the call rejects.
   */
  async deadLetter(delivery: Delivery, reason: string): Promise<void> {
    if (!(delivery instanceof AmqpDelivery) || delivery.state !== 'held') return;
    delivery.state = 'claimed';
    const { message } = delivery;
    const item: PublishItem = this.#celery?.deadLetterItem(delivery, reason) ?? {
      exchange: '',
      routingKey: this.topology.deadLetterQueue(delivery.queue),
      content: message.content,
      options: {
        persistent: true,
        mandatory: true,
        messageId: delivery.id,
        priority: delivery.priority,
        contentType: message.properties.contentType ?? 'application/json',
        headers: { [REASON_HEADER]: reason, [DEAD_AT_HEADER]: Date.now(), [QUEUE_HEADER]: delivery.queue },
      },
      queue: delivery.queue,
    };
    try {
      await this.#publisher.send([item], 'publish');
    } catch (error) {
      settle(delivery, 'requeue', this.#unacked);
      throw error;
    }
    settle(delivery, 'ack', this.#unacked);
  }

  /** Nothing to renew: RabbitMQ keeps a delivery until its channel closes (see consumer_timeout). */
  async extendLease(_deliveries: readonly Delivery[]): Promise<void> {}

  async purge(queue: string): Promise<number> {
    assertQueueName(queue);
    this.#producer.start();
    try {
      const ready = await this.#declarer.purge(this.topology.queue(queue));
      if (ready === undefined) return 0;
      let purged = ready;
      for (const bucket of await this.#bucketsOf(queue)) purged += (await this.#declarer.purge(bucket)) ?? 0;
      return purged;
    } catch (error) {
      throw toCeleriacError(error, 'purge', this.#options.url);
    }
  }

  /**
   * `ready` is the queue's message count, `delayed` the sum over its delay buckets, `dead` its
   * dead-letter queue's count. `unacked` counts only the deliveries held by this broker instance:
   * AMQP without the management plugin does not tell how many other consumers hold.
   */
  async stats(queue: string): Promise<QueueStats> {
    assertQueueName(queue);
    this.#producer.start();
    const unacked = this.#unacked.get(queue) ?? 0;
    try {
      const ready = await this.#declarer.count(this.topology.queue(queue));
      if (ready === undefined) return { ready: 0, delayed: 0, unacked, dead: 0 };
      const dead = (await this.#declarer.count(this.topology.deadLetterQueue(queue))) ?? 0;
      let delayed = 0;
      for (const bucket of await this.#bucketsOf(queue)) delayed += (await this.#declarer.count(bucket)) ?? 0;
      return { ready, delayed, unacked, dead };
    } catch (error) {
      throw toCeleriacError(error, 'read stats', this.#options.url);
    }
  }

  async broadcast(channel: string, message: Json): Promise<void> {
    if (this.#celery?.takeBroadcast(channel, message) === true) return;
    this.#assertOpen('broadcast');
    this.#producer.start();
    try {
      await this.#declarer.ensureBroadcast();
    } catch (error) {
      throw toCeleriacError(error, 'broadcast', this.#options.url);
    }
    const item: PublishItem = {
      exchange: this.topology.broadcastExchange,
      routingKey: channel,
      content: Buffer.from(JSON.stringify(message)),
      options: { contentType: 'application/json', deliveryMode: 1 },
    };
    await this.#publisher.sendUnconfirmed(item, 'broadcast');
    await this.#celery?.afterBroadcast(channel, message);
  }

  async subscribeBroadcast(channel: string, handler: (message: Json) => void): Promise<Subscription> {
    this.#assertOpen('subscribe');
    this.#producer.start();
    this.#consumer.start();
    const subscription = await this.#hub.subscribe(channel, handler);
    return this.#celery?.bridge(channel, handler, subscription) ?? subscription;
  }

  #assertOpen(operation: string): void {
    if (this.#closed) {
      throw new PublishError(`Cannot ${operation}: this AmqpBroker was closed; call connect() to reopen it.`);
    }
  }

  /** A task message: straight to its queue, or into the delay buckets when its eta is ahead. */
  #taskItem(
    queue: string,
    id: string,
    body: string | Buffer,
    priority: number,
    eta: number | undefined,
    now: number,
  ): PublishItem {
    const options: Options.Publish = {
      persistent: true,
      mandatory: true,
      messageId: id,
      priority: Math.min(Math.max(0, Math.trunc(priority)), 255),
      contentType: 'application/json',
      contentEncoding: 'utf-8',
    };
    const content = typeof body === 'string' ? Buffer.from(body) : body;
    const routingKey = this.topology.queue(queue);
    if (eta === undefined || eta <= now) return { exchange: '', routingKey, content, options, queue };
    // Routed by the publisher when it sends, for the delay left then.
    options.headers = { [ETA_HEADER]: eta };
    return { exchange: '', routingKey, content, options, queue, eta };
  }

  /** A received message published to `queue` again as it is, with its id and priority (and `eta`, if any). */
  #againItem(queue: string, message: Message, eta: number | undefined): PublishItem {
    const { messageId, priority } = message.properties;
    const id = typeof messageId === 'string' ? messageId : '';
    return this.#taskItem(queue, id, message.content, typeof priority === 'number' ? priority : 0, eta, Date.now());
  }

  /** Bucket queues of `queue` that exist (none when its first bucket does not). */
  async #bucketsOf(queue: string): Promise<string[]> {
    const first = this.topology.bucketQueue(queue, 0);
    if ((await this.#declarer.count(first)) === undefined) return [];
    return Array.from({ length: DELAY_LEVELS }, (_, level) => this.topology.bucketQueue(queue, level));
  }

  async #requeueDeadLetter(queue: string, message: GetMessage): Promise<void> {
    const item = this.#celery?.requeueItem(queue, message) ?? this.#againItem(queue, message, undefined);
    await this.#publisher.send([item], 'publish');
  }

  /** A message that arrived before its eta (a delay past the buckets' range): round again, then ack. */
  #redelay(lane: Lane, queue: string, message: ConsumeMessage): void {
    const eta = message.properties.headers?.[ETA_HEADER] as number;
    const item = this.#celery?.parkItem(queue, message, eta) ?? this.#againItem(queue, message, eta);
    this.#publisher.send([item], 'publish').then(
      () => {
        if (lane.alive) lane.acks.ack(message);
      },
      (error: unknown) => {
        this.#options.onError(toCeleriacError(error, 'publish', this.#options.url), 'delay a message again');
        if (lane.alive) lane.acks.nack(message);
      },
    );
  }
}

/** `new AmqpBroker(options)`. */
export function createAmqpBroker(options: AmqpBrokerOptions = {}): AmqpBroker {
  return new AmqpBroker(options);
}
