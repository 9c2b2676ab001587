import type { Delivery } from '@celeriac/core';

/** What a delivery needs from the consumer that received it. */
export interface DeliveryOwner {
  /** The consumer name in the group: the owner of the delivery's lease. */
  readonly name: string;
  /** The delivery was settled: one more message may be fetched. */
  release(): void;
}

/**
 * A message read from a ready stream and pending in the consumer group (leased) until settled.
 * Settle it with the broker that delivered it; settling twice is a no-op.
 */
export class RedisDelivery implements Delivery {
  readonly id: string;
  readonly queue: string;
  readonly body: string;
  readonly priority: number;
  readonly redelivered: boolean;
  /** The ready stream it was read from. */
  readonly stream: string;
  /** Its entry id in that stream. */
  readonly entryId: string;
  readonly owner: DeliveryOwner;
  /** Set by the first ack, nack or dead letter (or by the broker's close). */
  settled = false;

  constructor(
    id: string,
    queue: string,
    body: string,
    priority: number,
    redelivered: boolean,
    stream: string,
    entryId: string,
    owner: DeliveryOwner,
  ) {
    this.id = id;
    this.queue = queue;
    this.body = body;
    this.priority = priority;
    this.redelivered = redelivered;
    this.stream = stream;
    this.entryId = entryId;
    this.owner = owner;
  }
}
