import type { Delivery } from '@celeriac/core';

/**
 * A message as stored and handed out. A delivery object is never reused after it is settled:
 * a requeue creates a new one, so a stale `ack` of the old object stays a no-op.
 */
export class MemoryDelivery implements Delivery {
  readonly id: string;
  readonly queue: string;
  readonly body: string;
  readonly priority: number;
  readonly redelivered: boolean;
  /** The producer's decoded envelope, on the first delivery only: a redelivery is decoded from `body` afresh. */
  readonly payload: unknown;

  constructor(id: string, queue: string, body: string, priority: number, redelivered: boolean, payload?: unknown) {
    this.id = id;
    this.queue = queue;
    this.body = body;
    this.priority = priority;
    this.redelivered = redelivered;
    this.payload = payload;
  }
}
