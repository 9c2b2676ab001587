import type { Channel, ConsumeMessage } from 'amqplib';

/**
 * The acknowledgements of one consumer channel, coalesced: the acks of one event-loop turn go out
 * as one `basic.ack` with `multiple` for every tag below the lowest still-open delivery, and one
 * plain `basic.ack` for each tag above it. A worker finishing 50 tasks in a turn then sends one
 * frame instead of 50, sparing RabbitMQ and the socket. Nacks go out at once (they requeue).
 *
 * "Open" is every delivery received on the channel and neither acked nor nacked, including ones
 * the broker holds for its own purposes (a message sent round the delay buckets again is acked
 * only once that publish is confirmed), so a `multiple` ack never covers a message not done with.
 */
export class AckWindow {
  readonly #channel: Channel;
  /** Delivery tags of open deliveries, in the order received (RabbitMQ's tags only grow). */
  readonly #open = new Set<number>();
  #acks: ConsumeMessage[] = [];
  #scheduled = false;

  constructor(channel: Channel) {
    this.#channel = channel;
  }

  received(message: ConsumeMessage): void {
    this.#open.add(message.fields.deliveryTag);
  }

  ack(message: ConsumeMessage): void {
    if (!this.#open.delete(message.fields.deliveryTag)) return;
    this.#acks.push(message);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Give the message back to its queue now. */
  nack(message: ConsumeMessage): void {
    if (!this.#open.delete(message.fields.deliveryTag)) return;
    safely(() => this.#channel.nack(message, false, true));
  }

  /** Send the acks of this turn (also before the channel is closed on purpose). */
  flush(): void {
    this.#scheduled = false;
    const acks = this.#acks;
    if (acks.length === 0) return;
    this.#acks = [];
    const lowestOpen: number = this.#open.values().next().value ?? Number.POSITIVE_INFINITY;
    let below: ConsumeMessage | undefined;
    for (const message of acks) {
      const tag = message.fields.deliveryTag;
      if (tag > lowestOpen) safely(() => this.#channel.ack(message));
      else if (below === undefined || tag > below.fields.deliveryTag) below = message;
    }
    // Every tag up to `below` is acked now or was settled before: one frame acks them all.
    if (below !== undefined) {
      const last = below;
      safely(() => this.#channel.ack(last, true));
    }
  }

  /** The channel is gone: RabbitMQ puts every unacknowledged message back by itself. */
  discard(): void {
    this.#open.clear();
    this.#acks = [];
  }
}

function safely(action: () => void): void {
  try {
    action();
  } catch {
    // The channel closed meanwhile: RabbitMQ returns the messages by itself.
  }
}
