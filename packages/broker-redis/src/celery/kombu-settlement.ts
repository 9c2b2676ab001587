import type { Delivery } from '@celeriac/core';
import type { RedisOperation } from '../errors.ts';
import type { Script } from '../scripts.ts';
import { KombuDelivery } from './kombu-delivery.ts';
import type { KombuKeys } from './kombu-keys.ts';
import { markRedelivered } from './kombu-message.ts';

const RESOLVED: Promise<void> = Promise.resolve();

/** What settling needs from its broker. */
export interface KombuSettlementHost {
  readonly keys: KombuKeys;
  readonly maxDeadLetters: number;
  /** The settle script of the open connection; throws BrokerConnectionError when there is none. */
  settleScript(): Script;
  /** Await a Redis reply, mapping its failure to a Celeriac error. */
  run<T>(operation: RedisOperation, reply: Promise<T>): Promise<T>;
}

/** A taken message to dead-letter: its kombu delivery tag and text, and what the letter shows. */
export interface TakenMessage {
  tag: string;
  id: string;
  body: string;
  raw: string;
  reason: string;
}

/**
 * The deliveries a `KombuRedisBroker` handed out and how each leaves kombu's `unacked` bookkeeping
 * (the `kombu-settle` script; the first settlement wins, and settling twice is a no-op): acked,
 * requeued to the back of its list, given back to the front, or dead-lettered with a reason.
 */
export class KombuSettlement {
  readonly #host: KombuSettlementHost;
  readonly #held = new Set<KombuDelivery>();

  constructor(host: KombuSettlementHost) {
    this.#host = host;
  }

  /** A delivery was handed out: it is held until settled, or given back when the broker closes. */
  track(delivery: KombuDelivery): void {
    this.#held.add(delivery);
  }

  /** Removes the delivery from kombu's `unacked` and `unacked_index`, as kombu's ack. */
  ack(delivery: Delivery): Promise<void> {
    if (!this.#take(delivery)) return RESOLVED;
    return this.#settle(delivery, 'ack', '');
  }

  /** To the back of its list, marked redelivered, as kombu's `reject(requeue=True)`. */
  requeue(delivery: Delivery): Promise<void> {
    if (!this.#take(delivery)) return RESOLVED;
    return this.#settle(delivery, 'requeue', markRedelivered(delivery.raw));
  }

  deadLetter(delivery: Delivery, reason: string): Promise<void> {
    if (!this.#take(delivery)) return RESOLVED;
    const { tag, id, body, raw } = delivery;
    return this.deadLetterTaken(delivery.queue, { tag, id, body, raw, reason });
  }

  /** Put fetched deliveries that were never handed out back at the front, untouched. */
  async giveBack(deliveries: readonly KombuDelivery[]): Promise<void> {
    await Promise.all(deliveries.map((delivery) => this.#settle(delivery, 'return', delivery.raw)));
  }

  /**
   * Every delivery still held goes back to the front of its list, marked redelivered, as kombu's
   * `restore_unacked` at shutdown puts them: what was prefetched keeps its place.
   */
  async returnHeld(): Promise<void> {
    const unsettled = [...this.#held];
    for (const delivery of unsettled) this.#take(delivery);
    await Promise.all(unsettled.map((delivery) => this.#settle(delivery, 'return', markRedelivered(delivery.raw))));
  }

  /** Move a taken message from `unacked` to the queue's dead letters, with the reason. */
  async deadLetterTaken(queue: string, letter: TakenMessage): Promise<void> {
    const { keys, maxDeadLetters } = this.#host;
    const record = JSON.stringify({
      id: letter.id,
      queue,
      body: letter.body,
      reason: letter.reason,
      deadLetteredAt: Date.now(),
      raw: letter.raw,
    });
    await this.#host.run(
      'settle',
      this.#host.settleScript()(
        [keys.unacked, keys.unackedIndex, ...keys.deadLetters(queue)],
        ['dead', letter.tag, record, letter.id, maxDeadLetters],
      ),
    );
  }

  /** Mark a held delivery settled and free its consumer's slot; false when not ours or settled already. */
  #take(delivery: Delivery): delivery is KombuDelivery {
    if (!(delivery instanceof KombuDelivery) || delivery.settled) return false;
    delivery.settled = true;
    this.#held.delete(delivery);
    delivery.owner.release();
    return true;
  }

  async #settle(delivery: KombuDelivery, mode: 'ack' | 'requeue' | 'return', payload: string): Promise<void> {
    const { keys } = this.#host;
    const settle = this.#host.settleScript();
    // kombu priority is 9 − Celeriac's (kombu serves 0 first).
    const target = mode === 'ack' ? '' : keys.listFor(delivery.queue, 9 - delivery.priority);
    await this.#host.run('settle', settle([keys.unacked, keys.unackedIndex, target], [mode, delivery.tag, payload]));
  }
}
