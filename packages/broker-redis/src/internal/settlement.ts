import type { Delivery } from '@celeriac/core';
import type { RedisOperation } from '../errors.ts';
import { CONSUMER_GROUP, type KeySpace } from '../keys.ts';
import type { Script } from '../scripts.ts';
import { AckBatcher } from './ack-batcher.ts';
import { RedisDelivery } from './delivery.ts';

const RESOLVED: Promise<void> = Promise.resolve();

/** What settling needs from its broker. */
export interface SettlementHost {
  readonly keys: KeySpace;
  readonly maxDeadLetters: number;
  /** The ack script of the open connection; throws BrokerConnectionError when there is none. */
  ackScript(): Script;
  /** The settle script of the open connection; throws BrokerConnectionError when there is none. */
  settleScript(): Script;
  /** A Redis failure as the Celeriac error the broker reports. */
  toError(error: unknown, operation: RedisOperation): Error;
}

/**
 * The deliveries a `RedisBroker` handed out and how each leaves its consumer group's pending
 * entries (the first settlement wins, and settling twice is a no-op): acked (one `ack` script call
 * per event-loop turn), requeued as a redelivery, given back untouched, or dead-lettered with a
 * reason (the `settle` script, one call per queue).
 */
export class RedisSettlement {
  readonly #host: SettlementHost;
  readonly #held = new Set<RedisDelivery>();
  readonly #acks: AckBatcher;

  constructor(host: SettlementHost) {
    this.#host = host;
    this.#acks = new AckBatcher(
      () => host.ackScript(),
      (error) => host.toError(error, 'settle'),
    );
  }

  /** A delivery was handed out: it is held until settled, or given back when the broker closes. */
  track(delivery: RedisDelivery): void {
    this.#held.add(delivery);
  }

  ack(delivery: Delivery): Promise<void> {
    if (!this.#take(delivery)) return RESOLVED;
    return this.#acks.add(delivery.stream, delivery.entryId);
  }

  /** Back to its queue as a redelivery. */
  requeue(delivery: Delivery): Promise<void> {
    if (!this.#take(delivery)) return RESOLVED;
    return this.#settleMany([delivery], 'requeue', '');
  }

  deadLetter(delivery: Delivery, reason: string): Promise<void> {
    if (!this.#take(delivery)) return RESOLVED;
    return this.#settleMany([delivery], 'dead', reason);
  }

  /** Put fetched deliveries that were never handed out back, untouched. */
  giveBack(deliveries: readonly RedisDelivery[]): Promise<void> {
    return this.#settleMany(deliveries, 'return', '');
  }

  /** Every delivery still held goes back to its queue as a redelivery; acks waiting are sent. */
  async returnHeld(): Promise<void> {
    const unsettled = [...this.#held];
    for (const delivery of unsettled) this.#take(delivery);
    await this.#settleMany(unsettled, 'requeue', '');
    await this.#acks.flush();
  }

  /** Mark a held delivery settled and free its consumer's slot; false when not ours or settled already. */
  #take(delivery: Delivery): delivery is RedisDelivery {
    if (!(delivery instanceof RedisDelivery) || delivery.settled) return false;
    delivery.settled = true;
    this.#held.delete(delivery);
    delivery.owner.release();
    return true;
  }

  /** Run the settle script for deliveries (grouped by queue) in `mode`. */
  async #settleMany(deliveries: readonly RedisDelivery[], mode: 'requeue' | 'return' | 'dead', reason: string) {
    if (deliveries.length === 0) return;
    const { keys, maxDeadLetters } = this.#host;
    const settle = this.#host.settleScript();
    const byQueue = new Map<string, (string | number)[]>();
    const now = Date.now();
    for (const delivery of deliveries) {
      let args = byQueue.get(delivery.queue);
      if (args === undefined) {
        args = [CONSUMER_GROUP, mode, now, delivery.queue, maxDeadLetters];
        byQueue.set(delivery.queue, args);
      }
      args.push(delivery.priority, delivery.entryId, reason);
    }
    try {
      await Promise.all([...byQueue].map(([queue, args]) => settle(keys.queueKeys(queue), args)));
    } catch (error) {
      throw this.#host.toError(error, 'settle');
    }
  }
}
