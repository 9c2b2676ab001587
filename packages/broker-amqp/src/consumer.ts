import { randomUUID } from 'node:crypto';
import type { Delivery, Subscription } from '@celeriac/core';
import type { Channel, ConsumeMessage } from 'amqplib';
import { AckWindow } from './ack-window.ts';
import type { Declarer } from './declarer.ts';
import { consumerTimeoutMessage, isConnectionFailure, isConsumerTimeout, toCeleriacError } from './errors.ts';
import type { ResolvedOptions } from './options.ts';
import type { ConnectionKeeper } from './reconnect.ts';
import { ETA_HEADER, type Topology } from './topology.ts';

/** One consumer channel of a subscription; replaced by a new one after it closes. */
export interface Lane {
  readonly channel: Channel;
  readonly subscription: AmqpSubscription;
  /** False once the channel closed: its deliveries were returned to their queues by RabbitMQ. */
  alive: boolean;
  /** Deliveries handed out on this channel and not settled. */
  readonly held: Set<AmqpDelivery>;
  readonly consumerTags: string[];
  /** Every ack and nack of this channel goes through it. */
  readonly acks: AckWindow;
}

/** What a message reads as once translated from another wire format (Celery's): id, envelope, priority. */
export interface DeliveryView {
  readonly id: string;
  readonly body: string;
  readonly payload: unknown;
  readonly priority: number;
}

/** A message handed to the consumer, tied to the channel it came on. */
export class AmqpDelivery implements Delivery {
  readonly id: string;
  readonly queue: string;
  readonly body: string;
  readonly priority: number;
  readonly redelivered: boolean;
  readonly payload?: unknown;
  readonly message: ConsumeMessage;
  readonly lane: Lane;
  /**
   * `held` until settled; `claimed` while a dead-letter publish for it is in flight; `void` once
   * its channel closed unsettled (RabbitMQ gives the message to a consumer again).
   */
  state: 'held' | 'claimed' | 'settled' | 'void' = 'held';

  constructor(queue: string, message: ConsumeMessage, lane: Lane, view?: DeliveryView) {
    this.queue = queue;
    if (view === undefined) {
      const id = message.properties.messageId;
      this.id = typeof id === 'string' && id !== '' ? id : `amqp-${randomUUID()}`;
      this.body = message.content.toString('utf8');
      const priority = message.properties.priority;
      this.priority = typeof priority === 'number' ? priority : 0;
    } else {
      this.id = view.id;
      this.body = view.body;
      this.payload = view.payload;
      this.priority = view.priority;
    }
    this.redelivered = message.fields.redelivered;
    this.message = message;
    this.lane = lane;
  }
}

/** What a subscription needs from its broker. */
export interface ConsumerHost {
  readonly keeper: ConnectionKeeper;
  readonly declarer: Declarer;
  readonly options: ResolvedOptions;
  readonly topology: Topology;
  /** Counts of unsettled deliveries per queue, kept by this broker. */
  readonly unacked: Map<string, number>;
  /** A message that came before its eta: send it round the delay buckets again, then ack it. */
  redelay(lane: Lane, queue: string, message: ConsumeMessage): void;
  /**
   * Reads a message of another wire format (Celery mode) before it becomes a delivery: its view,
   * or undefined when it took the message itself (parked until its eta, or set aside as malformed).
   */
  readonly screen?: (lane: Lane, queue: string, message: ConsumeMessage) => DeliveryView | undefined;
}

/**
 * `consume()`: one channel for all the subscription's queues, with `basic.qos(prefetch, global)`
 * so the budget is shared across them, manual acks, and recovery: when the channel or the
 * connection is lost it opens a new channel and consumes again, while the deliveries of the lost
 * channel become void (acking them is a no-op; RabbitMQ delivers them again).
 */
export class AmqpSubscription implements Subscription {
  readonly queues: readonly string[];
  readonly #host: ConsumerHost;
  readonly #prefetch: number;
  readonly #onDelivery: (delivery: Delivery) => void;
  #lane: Lane | undefined;
  #closed = false;
  #reopening = false;

  constructor(
    host: ConsumerHost,
    queues: readonly string[],
    prefetch: number,
    onDelivery: (delivery: Delivery) => void,
  ) {
    this.#host = host;
    this.queues = queues;
    this.#prefetch = prefetch;
    this.#onDelivery = onDelivery;
  }

  /** Declare the queues and start consuming; resolves once every consumer is registered. */
  async start(): Promise<void> {
    try {
      await this.#open();
    } catch (error) {
      this.#closed = true;
      throw toCeleriacError(error, 'consume', this.#host.options.url);
    }
  }

  /** Stop receiving. The channel stays open until every held delivery is settled. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const lane = this.#lane;
    if (lane === undefined || !lane.alive) return;
    for (const tag of lane.consumerTags) await lane.channel.cancel(tag).catch(() => undefined);
    if (lane.held.size === 0) await closeLane(lane);
  }

  /** Close at once (the broker is closing): RabbitMQ returns the held deliveries to their queues. */
  async terminate(): Promise<void> {
    this.#closed = true;
    const lane = this.#lane;
    if (lane !== undefined) await closeLane(lane);
  }

  /** Called when a delivery of `lane` was settled: a closed subscription's drained channel closes. */
  settled(lane: Lane): void {
    if (this.#closed && lane.held.size === 0 && lane.alive) void closeLane(lane);
  }

  async #open(): Promise<void> {
    const host = this.#host;
    // Workers retry with delays: the buckets are declared with the queue (once: they are durable),
    // so a retry or a delayed publish never waits for them while a task is in flight.
    await Promise.all(this.queues.map((queue) => host.declarer.ensureBuckets(queue)));
    const connection = await host.keeper.get(host.options.publishTimeout);
    const channel = await connection.createChannel();
    const lane: Lane = {
      channel,
      subscription: this,
      alive: true,
      held: new Set(),
      consumerTags: [],
      acks: new AckWindow(channel),
    };
    let failure: Error | undefined;
    channel.on('error', (error: Error) => {
      failure = error;
    });
    channel.on('close', () => this.#laneClosed(lane, failure));
    this.#lane = lane;
    // Several queues share one budget: global = true makes it the channel's. One queue uses the
    // consumer's own limit, kept by the queue itself: cheaper, and a requeue cannot race past the
    // limit (with the channel's limiter a nack can free the slot before the message is back).
    await channel.prefetch(this.#prefetch, this.queues.length > 1);
    for (const queue of this.queues) {
      const name = host.topology.queue(queue);
      const { consumerTag } = await channel.consume(name, (message) => this.#receive(lane, queue, message), {
        noAck: false,
      });
      lane.consumerTags.push(consumerTag);
    }
  }

  #receive(lane: Lane, queue: string, message: ConsumeMessage | null): void {
    const host = this.#host;
    if (message === null) {
      // RabbitMQ cancelled the consumer: the queue was deleted. Redeclare it and consume again.
      host.options.onError(
        new Error(`RabbitMQ cancelled the consumer of queue ${queue} (was it deleted?); declaring it again`),
        'consume',
      );
      host.declarer.forget(queue);
      if (lane.alive) void closeLane(lane);
      return;
    }
    lane.acks.received(message);
    if (this.#closed) {
      // Arrived after close(): give it back untouched.
      lane.acks.nack(message);
      return;
    }
    const eta = message.properties.headers?.[ETA_HEADER];
    if (typeof eta === 'number' && eta > Date.now()) {
      host.redelay(lane, queue, message);
      return;
    }
    let view: DeliveryView | undefined;
    if (host.screen !== undefined) {
      view = host.screen(lane, queue, message);
      if (view === undefined) return;
    }
    const delivery = new AmqpDelivery(queue, message, lane, view);
    lane.held.add(delivery);
    host.unacked.set(queue, (host.unacked.get(queue) ?? 0) + 1);
    try {
      this.#onDelivery(delivery);
    } catch (error) {
      host.options.onError(toCeleriacError(error, 'consume', host.options.url), 'onDelivery handler threw');
    }
  }

  #laneClosed(lane: Lane, failure: Error | undefined): void {
    lane.alive = false;
    lane.acks.discard();
    const host = this.#host;
    for (const delivery of lane.held) {
      delivery.state = 'void';
      decrement(host.unacked, delivery.queue);
    }
    lane.held.clear();
    if (this.#closed) return;
    if (failure !== undefined && isConsumerTimeout(failure)) {
      host.options.onError(new Error(consumerTimeoutMessage(this.queues, failure.message)), 'consumer_timeout');
    } else if (failure !== undefined && !isConnectionFailure(failure)) {
      host.options.onError(
        toCeleriacError(failure, 'consume', host.options.url),
        'consumer channel closed by RabbitMQ',
      );
    }
    void this.#reopen();
  }

  /** Consume again on a new channel once the connection is back; retried with backoff until closed. */
  async #reopen(): Promise<void> {
    if (this.#reopening) return;
    this.#reopening = true;
    const { reconnectInitialDelay, reconnectMaxDelay } = this.#host.options;
    let delay = reconnectInitialDelay;
    try {
      while (!this.#closed) {
        try {
          await this.#open();
          if (this.#closed) await this.terminate();
          return;
        } catch (error) {
          if (this.#closed) return;
          const coerced = toCeleriacError(error, 'consume', this.#host.options.url);
          if (coerced.code !== 'BROKER_CONNECTION') this.#host.options.onError(coerced, 'resume consuming');
          await new Promise((resolve) => setTimeout(resolve, delay));
          delay = Math.min(reconnectMaxDelay, delay * 2);
        }
      }
    } finally {
      this.#reopening = false;
    }
  }
}

function decrement(counts: Map<string, number>, queue: string): void {
  const count = (counts.get(queue) ?? 1) - 1;
  if (count <= 0) counts.delete(queue);
  else counts.set(queue, count);
}

async function closeLane(lane: Lane): Promise<void> {
  if (!lane.alive) return;
  lane.acks.flush();
  lane.alive = false;
  await lane.channel.close().catch(() => undefined);
}

/**
 * Settle a held or claimed `delivery` on its channel: `ack`, or `nack` with requeue. A no-op when
 * it is settled already or its channel is gone (RabbitMQ has put it back in its queue).
 */
export function settle(delivery: AmqpDelivery, action: 'ack' | 'requeue', unacked: Map<string, number>): void {
  if (delivery.state === 'settled' || delivery.state === 'void') return;
  delivery.state = 'settled';
  const lane = delivery.lane;
  lane.held.delete(delivery);
  decrement(unacked, delivery.queue);
  if (lane.alive) {
    if (action === 'ack') lane.acks.ack(delivery.message);
    else lane.acks.nack(delivery.message);
  }
  lane.subscription.settled(lane);
}
