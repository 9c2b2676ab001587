import type { Delivery } from '@celeriac/core';

/** What a delivery needs from the consumer that received it. */
export interface KombuDeliveryOwner {
  /** The delivery was settled: one more message may be fetched. */
  release(): void;
}

/**
 * A message taken from kombu's lists and recorded in kombu's `unacked` hash under its delivery tag
 * until settled. Settle it with the broker that delivered it; settling twice is a no-op.
 */
export class KombuDelivery implements Delivery {
  readonly id: string;
  readonly queue: string;
  readonly body: string;
  readonly priority: number;
  readonly redelivered: boolean;
  /** kombu's delivery tag (`properties.delivery_tag`): its key in `unacked` and `unacked_index`. */
  readonly tag: string;
  /** The kombu message as stored, to requeue it as it was. */
  readonly raw: string;
  readonly owner: KombuDeliveryOwner;
  /** Set by the first ack, nack or dead letter (or by the broker's close). */
  settled = false;

  constructor(fields: {
    id: string;
    queue: string;
    body: string;
    priority: number;
    redelivered: boolean;
    tag: string;
    raw: string;
    owner: KombuDeliveryOwner;
  }) {
    this.id = fields.id;
    this.queue = fields.queue;
    this.body = fields.body;
    this.priority = fields.priority;
    this.redelivered = fields.redelivered;
    this.tag = fields.tag;
    this.raw = fields.raw;
    this.owner = fields.owner;
  }
}
