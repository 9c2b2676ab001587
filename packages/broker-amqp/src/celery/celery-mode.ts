import { randomUUID } from 'node:crypto';
import {
  CONTROL_CHANNEL,
  coerceError,
  type DeadLetter,
  EVENTS_CHANNEL,
  type Json,
  type OutgoingMessage,
  REPLY_CHANNEL,
  type Subscription,
} from '@celeriac/core';
import type { ConsumeMessage, GetMessage } from 'amqplib';
import type { AmqpDelivery, DeliveryView, Lane } from '../consumer.ts';
import { toCeleriacError } from '../errors.ts';
import type { ResolvedOptions } from '../options.ts';
import type { Publisher, PublishItem } from '../publisher.ts';
import type { ConnectionKeeper } from '../reconnect.ts';
import { ETA_HEADER, type Topology } from '../topology.ts';
import { CeleryEventMirror } from './event-mirror.ts';
import { CeleryExchanges } from './exchanges.ts';
import {
  celeryTaskItem,
  deadLetterItem,
  parkItem,
  readCeleryDeadLetter,
  readCeleryTask,
  requeueItem,
  taskIdOf,
} from './messages.ts';
import { PidboxBridge } from './pidbox.ts';

/** What Celery mode needs from its broker. */
export interface CeleryModeHost {
  readonly producer: ConnectionKeeper;
  readonly consumer: ConnectionKeeper;
  readonly publisher: Publisher;
  readonly options: ResolvedOptions;
  readonly topology: Topology;
}

/**
 * `protocol: 'celery'` for AmqpBroker: what the broker does differently, in one place. Tasks are
 * published and read as Celery's protocol 2; a message whose eta is ahead is parked in the delay
 * buckets (Celery workers hold such messages in memory; Celeriac's core expects only due ones);
 * malformed messages and dead letters keep their Celery form in `<queue>.dlq`, since Celery's
 * queues have no dead-letter exchange; core's events are mirrored onto `celeryev`, and Celery's
 * pidbox reaches Celeriac workers.
 */
export class CeleryMode {
  readonly #host: CeleryModeHost;
  readonly #events: CeleryEventMirror;
  readonly #pidbox: PidboxBridge;

  constructor(host: CeleryModeHost) {
    this.#host = host;
    const exchanges = new CeleryExchanges(host.producer, host.options);
    this.#events = new CeleryEventMirror(host.publisher, exchanges);
    this.#pidbox = new PidboxBridge(host.consumer, host.publisher, exchanges, host.options);
  }

  taskItem(message: OutgoingMessage, now: number): PublishItem {
    return celeryTaskItem(this.#host.topology, message, now);
  }

  /** A message held back by our own eta header (a delay past the buckets' range): round again. */
  parkItem(queue: string, message: ConsumeMessage, eta: number): PublishItem {
    return parkItem(this.#host.topology, queue, message, eta);
  }

  deadLetterItem(delivery: AmqpDelivery, reason: string): PublishItem {
    return deadLetterItem(this.#host.topology, delivery.queue, delivery.id, delivery.message, reason);
  }

  requeueItem(queue: string, message: GetMessage): PublishItem {
    return requeueItem(this.#host.topology, queue, message);
  }

  readonly readDeadLetter = (queue: string, message: GetMessage): DeadLetter => readCeleryDeadLetter(queue, message);

  /**
   * A received message → what core reads, or undefined when taken here: a malformed one goes to
   * the dead letters with its reason, one whose Celery eta is ahead to the delay buckets (once:
   * back from them it carries our eta header, which the consumer has checked already).
   */
  readonly screen = (lane: Lane, queue: string, message: ConsumeMessage): DeliveryView | undefined => {
    let envelope: ReturnType<typeof readCeleryTask>;
    try {
      envelope = readCeleryTask(queue, message);
    } catch (error) {
      const reason = coerceError(error).message;
      const { messageId, correlationId } = message.properties;
      const id = taskIdOf(message) ?? messageId ?? correlationId ?? `amqp-${randomUUID()}`;
      this.#host.options.onError(
        new Error(`set aside message ${id} of queue ${queue} in its dead-letter queue: ${reason}`),
        'Celery message',
      );
      const item = deadLetterItem(this.#host.topology, queue, String(id), message, reason);
      this.#replaceThenAck(lane, message, item, 'set a malformed Celery message aside');
      return undefined;
    }
    const eta = envelope.headers.eta === null ? undefined : Date.parse(envelope.headers.eta);
    if (eta !== undefined && eta > Date.now() && message.properties.headers?.[ETA_HEADER] === undefined) {
      this.#replaceThenAck(lane, message, this.parkItem(queue, message, eta), 'park a Celery message until its eta');
      return undefined;
    }
    return {
      id: envelope.headers.id,
      body: JSON.stringify(envelope),
      payload: envelope,
      priority: envelope.properties.priority,
    };
  };

  /** Called after core's own broadcast: events go on to `celeryev` too. */
  async afterBroadcast(channel: string, message: Json): Promise<void> {
    if (channel !== EVENTS_CHANNEL) return;
    try {
      await this.#events.mirror(message);
    } catch (error) {
      this.#host.options.onError(toCeleriacError(error, 'broadcast', this.#host.options.url), 'Celery events');
    }
  }

  /** True when a broadcast is a worker's answer to a Celery control request (or to our probe): taken here. */
  takeBroadcast(channel: string, message: Json): boolean {
    return channel === REPLY_CHANNEL && this.#pidbox.takeReply(message);
  }

  /** A CONTROL_CHANNEL listener (a worker) also answers Celery's pidbox while subscribed. */
  bridge(channel: string, handler: (message: Json) => void, subscription: Subscription): Subscription {
    if (channel !== CONTROL_CHANNEL) return subscription;
    const detach = this.#pidbox.attach(handler);
    return {
      close: async () => {
        await detach();
        await subscription.close();
      },
    };
  }

  close(): Promise<void> {
    return this.#pidbox.close();
  }

  /** Publish `item` in the message's place, then ack it; requeue it should the publish fail. */
  #replaceThenAck(lane: Lane, message: ConsumeMessage, item: PublishItem, what: string): void {
    const { publisher, options } = this.#host;
    publisher.send([item], 'publish').then(
      () => {
        if (lane.alive) lane.acks.ack(message);
      },
      (error: unknown) => {
        options.onError(toCeleriacError(error, 'publish', options.url), what);
        if (lane.alive) lane.acks.nack(message);
      },
    );
  }
}
