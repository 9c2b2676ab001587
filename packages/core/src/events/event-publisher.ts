import type { Broker } from '../broker/broker.ts';
import { coerceError } from '../errors/coerce-error.ts';
import type { Json } from '../json/json.ts';
import type { ClusterEvent } from './event-map.ts';

/** The broadcast channel that carries events. */
export const EVENTS_CHANNEL = 'events';

/**
 * Batches events and broadcasts them once per turn of the event loop, so a busy worker sends one
 * broker message per batch instead of one per event. Order is kept.
 */
export class EventPublisher {
  readonly #broker: Broker;
  readonly #onError: (error: Error) => void;
  #buffer: ClusterEvent[] = [];
  #scheduled = false;
  #inFlight: Promise<void> = Promise.resolve();

  constructor(broker: Broker, onError: (error: Error) => void) {
    this.#broker = broker;
    this.#onError = onError;
  }

  send(event: ClusterEvent): void {
    this.#buffer.push(event);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  /** Take back events not broadcast yet (their message was not published after all). */
  withdraw(events: readonly ClusterEvent[]): void {
    if (events.length === 0) return;
    const drop = new Set(events);
    this.#buffer = this.#buffer.filter((event) => !drop.has(event));
  }

  /** Broadcast what is buffered now and wait until it is sent. */
  async flush(): Promise<void> {
    this.#flush();
    await this.#inFlight;
  }

  #flush(): void {
    this.#scheduled = false;
    if (this.#buffer.length === 0) return;
    const events = this.#buffer;
    this.#buffer = [];
    const previous = this.#inFlight;
    this.#inFlight = previous
      .then(() => this.#broker.broadcast(EVENTS_CHANNEL, { events } as unknown as Json))
      .catch((error: unknown) => this.#onError(coerceError(error)));
  }
}
