import { PublishError } from '@celeriac/core';
import type { Channel, ConfirmChannel, Message, Options } from 'amqplib';
import { ChannelSlot } from './channel-slot.ts';
import type { Declarer } from './declarer.ts';
import { AmqpDeadlineError, type AmqpOperation, toCeleriacError } from './errors.ts';
import type { ResolvedOptions } from './options.ts';
import type { ConnectionKeeper } from './reconnect.ts';
import { MAX_DELAY_MS, type Topology } from './topology.ts';

/** One AMQP publish, and the topology it needs. */
export interface PublishItem {
  readonly exchange: string;
  readonly routingKey: string;
  readonly content: Buffer;
  readonly options: Options.Publish;
  /** Celeriac queue whose topology must exist first (unroutable means it was deleted). */
  readonly queue?: string;
  /**
   * Epoch ms: the item goes through `queue`'s delay buckets for the delay left at the `send` call
   * (so declaring the buckets first makes it late, never early, and keeps a batch in eta order),
   * or for the delay left when it is sent again after a lost connection; straight to `queue` once due.
   */
  readonly eta?: number;
}

type Outcome = 'confirmed' | 'lost' | 'returned';

/**
 * Publishes on one confirm channel of the producer connection: `send` resolves once RabbitMQ has
 * confirmed every message (persistent messages: written to disk, or delivered). Messages whose
 * confirm was lost with the channel are sent again on the next one, within `publishTimeout`.
 * Broadcasts (events, control, replies) go on a second channel without confirms (`sendUnconfirmed`).
 */
export class Publisher {
  readonly #keeper: ConnectionKeeper;
  readonly #options: ResolvedOptions;
  readonly #declarer: Declarer;
  readonly #topology: Topology;
  readonly #confirmChannel: ChannelSlot<ConfirmChannel>;
  readonly #plainChannel: ChannelSlot<Channel>;
  /** Items sent with `mandatory` and not yet confirmed, by exchange, routing key and message id. */
  readonly #returnable = new Map<string, { returned: boolean }[]>();

  constructor(keeper: ConnectionKeeper, options: ResolvedOptions, declarer: Declarer, topology: Topology) {
    this.#keeper = keeper;
    this.#options = options;
    this.#declarer = declarer;
    this.#topology = topology;
    this.#confirmChannel = new ChannelSlot((timeoutMs) => this.#openConfirmChannel(timeoutMs));
    this.#plainChannel = new ChannelSlot(async (timeoutMs) => {
      const channel = await (await this.#keeper.get(timeoutMs)).createChannel();
      channel.on('error', (error: Error) =>
        this.#options.onError(error, 'broadcast publishing channel closed by RabbitMQ'),
      );
      return channel;
    });
    keeper.onConnected(() => {
      this.#confirmChannel.reset();
      this.#plainChannel.reset();
    });
  }

  /**
   * Publish a transient broadcast without waiting for a confirm: it resolves once amqplib holds
   * the frames. A broadcast has no queue to be stored in, so a confirm would only say the exchange
   * saw it; without one, a worker's events (several per task) cost RabbitMQ and this process no
   * confirm bookkeeping. Rejects with `BrokerConnectionError` when no connection comes within
   * `publishTimeout`; one written just before a connection drops is lost, as broadcasts are.
   */
  async sendUnconfirmed(item: PublishItem, operation: AmqpOperation): Promise<void> {
    try {
      const channel = await this.#plainChannel.get(this.#options.publishTimeout);
      channel.publish(item.exchange, item.routingKey, item.content, item.options);
    } catch (error) {
      throw toCeleriacError(error, operation, this.#options.url);
    }
  }

  /** Publish `items`, resolving once all are confirmed; rejects with a Celeriac error. */
  async send(items: readonly PublishItem[], operation: AmqpOperation): Promise<void> {
    const called = Date.now();
    const deadline = called + this.#options.publishTimeout;
    let attempt = 0;
    // Delayed messages go out in eta order, so those already due when sent reach the queue in that order.
    let pending = items.some((item) => item.eta !== undefined) ? [...items].sort(byEta) : items;
    let returns = 0;
    try {
      while (pending.length > 0) {
        const remaining = deadline - Date.now();
        if (remaining <= 0) {
          throw new AmqpDeadlineError(
            `publish not confirmed within publishTimeout (${this.#options.publishTimeout} ms)`,
          );
        }
        await this.#declare(pending);
        const channel = await this.#confirmChannel.get(remaining);
        const outcomes = await this.#sendOnce(channel, pending, attempt++ === 0 ? called : Date.now());
        const returned = pending.filter((_, i) => outcomes[i] === 'returned');
        if (returned.length > 0) {
          if (++returns > 2) {
            throw new PublishError(
              `RabbitMQ could not route ${returned.length} message(s) to queue ${returned[0]?.queue ?? returned[0]?.routingKey}: its queue was deleted while publishing`,
            );
          }
          for (const item of returned) if (item.queue !== undefined) this.#declarer.forget(item.queue);
        }
        pending = pending.filter((_, i) => outcomes[i] !== 'confirmed');
      }
    } catch (error) {
      throw toCeleriacError(error, operation, this.#options.url);
    }
  }

  async #declare(items: readonly PublishItem[]): Promise<void> {
    let last: string | undefined;
    const waits: Promise<void>[] = [];
    for (const item of items) {
      if (item.queue === undefined) continue;
      const delayed = item.eta !== undefined;
      const key = delayed ? `d${item.queue}` : `q${item.queue}`;
      if (key === last) continue;
      last = key;
      waits.push(delayed ? this.#declarer.ensureBuckets(item.queue) : this.#declarer.ensureQueue(item.queue));
    }
    if (waits.length === 1) await waits[0];
    else if (waits.length > 1) await Promise.all(waits);
  }

  /** Send every item once; resolves with each one's outcome; rejects when RabbitMQ nacks one. */
  #sendOnce(channel: ConfirmChannel, items: readonly PublishItem[], now: number): Promise<Outcome[]> {
    return new Promise<Outcome[]>((resolve, reject) => {
      const outcomes = new Array<Outcome>(items.length);
      let waiting = items.length;
      let failed = false;
      const settle = (index: number, outcome: Outcome): void => {
        outcomes[index] = outcome;
        if (--waiting === 0 && !failed) resolve(outcomes);
      };
      const sendFrom = (start: number): void => {
        for (let i = start; i < items.length; i++) {
          const item = items[i]!;
          const { exchange, routingKey } = this.#route(item, now);
          const mandatory = item.options.mandatory === true;
          const tracker = { returned: false };
          const key = mandatory ? returnKey(exchange, routingKey, item.options.messageId) : '';
          if (mandatory) pushTracker(this.#returnable, key, tracker);
          let flowing: boolean;
          try {
            flowing = channel.publish(exchange, routingKey, item.content, item.options, (error: unknown) => {
              if (mandatory) dropTracker(this.#returnable, key, tracker);
              if (error === null || error === undefined) {
                settle(i, tracker.returned ? 'returned' : 'confirmed');
              } else if ((error as Error).message === 'message nacked') {
                failed = true;
                reject(new PublishError('RabbitMQ refused the message (basic.nack): it could not store it'));
              } else {
                settle(i, 'lost');
              }
            });
          } catch {
            // The channel closed under us: everything from here goes on the next channel.
            if (mandatory) dropTracker(this.#returnable, key, tracker);
            for (let j = i; j < items.length; j++) settle(j, 'lost');
            return;
          }
          if (!flowing && i + 1 < items.length) {
            // amqplib's buffer is full: wait for it to drain before writing more.
            const resume = (): void => {
              channel.off('drain', resume);
              channel.off('close', resume);
              sendFrom(i + 1);
            };
            channel.once('drain', resume);
            channel.once('close', resume);
            return;
          }
        }
      };
      sendFrom(0);
    });
  }

  /** Where `item` goes: a delayed one into the bucket of the delay left at `now`, or its queue once due. */
  #route(item: PublishItem, now: number): { exchange: string; routingKey: string } {
    if (item.eta === undefined || item.queue === undefined) return item;
    const left = item.eta - now;
    if (left <= 0) return { exchange: '', routingKey: this.#topology.queue(item.queue) };
    // Whole milliseconds, rounded up: a message may arrive a little late, never early.
    return this.#topology.delayRoute(item.queue, Math.min(MAX_DELAY_MS, Math.ceil(left)));
  }

  async #openConfirmChannel(timeoutMs: number): Promise<ConfirmChannel> {
    const channel = await (await this.#keeper.get(timeoutMs)).createConfirmChannel();
    channel.on('error', (error: Error) => this.#options.onError(error, 'publish channel closed by RabbitMQ'));
    channel.on('return', (message: Message) => {
      const { exchange, routingKey } = message.fields;
      const trackers = this.#returnable.get(returnKey(exchange, routingKey, message.properties.messageId));
      const tracker = trackers?.find((t) => !t.returned);
      if (tracker !== undefined) tracker.returned = true;
    });
    return channel;
  }
}

function byEta(a: PublishItem, b: PublishItem): number {
  return (a.eta ?? Number.NEGATIVE_INFINITY) - (b.eta ?? Number.NEGATIVE_INFINITY) || 0;
}

function returnKey(exchange: string, routingKey: string, messageId: unknown): string {
  return `${exchange}\u0000${routingKey}\u0000${String(messageId)}`;
}

function pushTracker(map: Map<string, { returned: boolean }[]>, key: string, tracker: { returned: boolean }): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [tracker]);
  else list.push(tracker);
}

function dropTracker(map: Map<string, { returned: boolean }[]>, key: string, tracker: { returned: boolean }): void {
  const list = map.get(key);
  if (list === undefined) return;
  const index = list.indexOf(tracker);
  if (index >= 0) list.splice(index, 1);
  if (list.length === 0) map.delete(key);
}
