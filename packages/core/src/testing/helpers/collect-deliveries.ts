import type { Broker, ConsumeOptions, Delivery, Subscription } from '../../broker/broker.ts';
import { waitFor } from './wait-for.ts';

/** Options of {@link collectDeliveries}: what to consume, and whether to acknowledge on arrival. */
export interface CollectDeliveriesOptions extends ConsumeOptions {
  /**
   * Acknowledge each delivery as it arrives. When false, deliveries are held until the test
   * settles them through the collector. Can be switched later with `collector.autoAck`.
   * @default false
   */
  autoAck?: boolean;
}

/**
 * Records what one `Broker.consume` subscription receives, and settles deliveries so it can count
 * how many are held at once. Settle through the collector (`ack`, `nack`, `deadLetter`), not the
 * broker directly, to keep `held` and `maxHeld` right.
 */
export class DeliveryCollector {
  /** Every delivery, in arrival order (redeliveries included). */
  readonly deliveries: Delivery[] = [];
  /** `Date.now()` at the arrival of `deliveries[i]`. */
  readonly receivedAt: number[] = [];
  /** Deliveries not yet settled through the collector. */
  readonly held: Set<Delivery> = new Set();
  /** The most deliveries held at one time. */
  maxHeld = 0;
  /** Acknowledge each delivery as it arrives. */
  autoAck: boolean;
  /** Errors from automatic acknowledgements (checked by `waitForCount`). */
  readonly errors: unknown[] = [];
  /** The subscription, once `collectDeliveries` has started it. */
  subscription: Subscription | undefined;
  readonly #broker: Broker;

  constructor(broker: Broker, options: { autoAck?: boolean } = {}) {
    this.#broker = broker;
    this.autoAck = options.autoAck ?? false;
  }

  /** The handler to pass to `Broker.consume`. */
  readonly onDelivery = (delivery: Delivery): void => {
    this.deliveries.push(delivery);
    this.receivedAt.push(Date.now());
    this.held.add(delivery);
    this.maxHeld = Math.max(this.maxHeld, this.held.size);
    if (this.autoAck) this.ack(delivery).catch((error: unknown) => this.errors.push(error));
  };

  /** Ids of `deliveries`, in arrival order. */
  get ids(): string[] {
    return this.deliveries.map((delivery) => delivery.id);
  }

  /** Acknowledge. The delivery stops counting as held before the broker hears of it. */
  ack(delivery: Delivery): Promise<void> {
    this.held.delete(delivery);
    return this.#broker.ack(delivery);
  }

  /** Reject, to the queue (default) or the dead letters. */
  nack(delivery: Delivery, options?: { requeue?: boolean }): Promise<void> {
    this.held.delete(delivery);
    return this.#broker.nack(delivery, options);
  }

  /** Set aside with `reason`. */
  deadLetter(delivery: Delivery, reason: string): Promise<void> {
    this.held.delete(delivery);
    return this.#broker.deadLetter(delivery, reason);
  }

  /** Acknowledge every held delivery. */
  async ackHeld(): Promise<void> {
    await Promise.all([...this.held].map((delivery) => this.ack(delivery)));
  }

  /**
   * Resolve with the deliveries once at least `count` have arrived; reject with what did arrive
   * when they have not within `timeout` ms, or when an automatic acknowledgement failed.
   */
  async waitForCount(count: number, options: { timeout?: number } = {}): Promise<Delivery[]> {
    await waitFor(() => this.deliveries.length >= count || this.errors.length > 0, {
      timeout: options.timeout ?? 5000,
      message: () => `expected ${count} deliveries, got ${this.deliveries.length}: [${this.ids.join(', ')}]`,
    });
    if (this.errors.length > 0) throw this.errors[0];
    return [...this.deliveries];
  }

  /** Close the subscription. */
  async close(): Promise<void> {
    await this.subscription?.close();
  }
}

/**
 * Start consuming `options.queues` into a new {@link DeliveryCollector}.
 *
 * @example
 * const collector = await collectDeliveries(broker, { queues: ['default'], prefetch: 1, autoAck: true });
 * await collector.waitForCount(3);
 */
export async function collectDeliveries(broker: Broker, options: CollectDeliveriesOptions): Promise<DeliveryCollector> {
  const collector = new DeliveryCollector(broker, { autoAck: options.autoAck ?? false });
  collector.subscription = await broker.consume(
    { queues: options.queues, prefetch: options.prefetch },
    collector.onDelivery,
  );
  return collector;
}
