import type { Broker } from '../broker/broker.ts';
import { coerceError } from '../errors/coerce-error.ts';
import type { Json } from '../json/json.ts';
import type { ClusterEvent } from './event-map.ts';

/** The broadcast channel that carries events. */
export const EVENTS_CHANNEL = 'events';

/** Longest an event waits for others to share its broadcast. */
const BATCH_WINDOW_MS = 10;
/** A batch this large goes out at the end of the current turn instead. */
const BATCH_LIMIT = 256;

/**
 * Batches events and broadcasts them at most every {@link BATCH_WINDOW_MS} ms (sooner once
 * {@link BATCH_LIMIT} are waiting), as Celery's worker buffers its task events: a task's
 * sent/received/started/succeeded events then share one broker message with those of the tasks
 * around it, instead of costing up to four publishes (and socket writes) each, a tenth of a
 * task's work at 1,000 tasks/s. Order is kept; `flush()` sends at once.
 */
export class EventPublisher {
  readonly #broker: Broker;
  readonly #onError: (error: Error) => void;
  #buffer: ClusterEvent[] = [];
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #inFlight: Promise<void> = Promise.resolve();

  constructor(broker: Broker, onError: (error: Error) => void) {
    this.#broker = broker;
    this.#onError = onError;
  }

  send(event: ClusterEvent): void {
    this.#buffer.push(event);
    if (this.#buffer.length >= BATCH_LIMIT) {
      this.#immediate ??= setImmediate(() => this.#flush());
    } else {
      this.#timer ??= setTimeout(() => this.#flush(), BATCH_WINDOW_MS);
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
    clearTimeout(this.#timer);
    clearImmediate(this.#immediate);
    this.#timer = undefined;
    this.#immediate = undefined;
    if (this.#buffer.length === 0) return;
    const events = this.#buffer;
    this.#buffer = [];
    const previous = this.#inFlight;
    this.#inFlight = previous
      .then(() => this.#broker.broadcast(EVENTS_CHANNEL, { events } as unknown as Json))
      .catch((error: unknown) => this.#onError(coerceError(error)));
  }
}
