import type { Delivery, Subscription } from '@celeriac/core';
import { reconnectDelay } from '../connection.ts';

/** Most messages one fetch asks for (a prefetch above it is filled by several fetches). */
const MAX_FETCH = 1000;

/** Where a fetch loop reports failures. */
export interface FetchLoopReporter {
  /** A failure of Redis (a fetch or a blocking wait), retried with backoff. */
  reportRedis(error: unknown, source: string): void;
  /** An error thrown by `onDelivery`. */
  report(error: unknown, source: string): void;
}

/**
 * What every Redis consumer loop shares, whatever its key layout (Celeriac's streams, kombu's
 * lists): keep at most `prefetch` deliveries handed out, fetch again once a turn's settlements are
 * in, block when the last fetch drained everything, and back off while Redis fails.
 */
export abstract class FetchLoop {
  readonly queues: readonly string[];
  readonly prefetch: number;
  /** Deliveries handed out and not settled. */
  held = 0;
  protected readonly source: string;
  protected closed = false;
  readonly #reporter: FetchLoopReporter;
  #onSlot: (() => void) | undefined;
  #slotScheduled = false;
  #pause: { timer: NodeJS.Timeout; resolve: () => void } | undefined;

  constructor(reporter: FetchLoopReporter, queues: readonly string[], prefetch: number) {
    this.#reporter = reporter;
    this.queues = queues;
    this.prefetch = prefetch;
    this.source = `consumer of ${queues.join(', ')}`;
  }

  /**
   * Take up to `wanted` messages and hand them out (`handOut`); when `drained` (the last take got
   * fewer than asked), block until something may be there first. Resolves to how many were taken.
   */
  protected abstract take(wanted: number, drained: boolean): Promise<number>;

  /** A delivery of this consumer was settled: fetch again once this turn's settlements are in. */
  release(): void {
    this.held--;
    if (this.#onSlot !== undefined && !this.#slotScheduled) {
      this.#slotScheduled = true;
      setImmediate(() => {
        this.#slotScheduled = false;
        const resume = this.#onSlot;
        this.#onSlot = undefined;
        resume?.();
      });
    }
  }

  /** End a wait for a free slot or a backoff pause, so a closing loop can end. */
  protected interruptWaits(): void {
    this.#onSlot?.();
    if (this.#pause !== undefined) {
      clearTimeout(this.#pause.timer);
      this.#pause.resolve();
    }
  }

  /** The loop: runs until `closed`. */
  protected async run(): Promise<void> {
    let failures = 0;
    let drained = false;
    while (!this.closed) {
      try {
        const free = this.prefetch - this.held;
        if (free <= 0) {
          await new Promise<void>((resolve) => {
            this.#onSlot = resolve;
          });
          continue;
        }
        const wanted = Math.min(free, MAX_FETCH);
        const got = await this.take(wanted, drained);
        failures = 0;
        // Fewer than asked: everything is drained, so the next take blocks first.
        drained = got < wanted;
      } catch (error) {
        if (this.closed) break;
        drained = false;
        this.#reporter.reportRedis(error, this.source);
        await new Promise<void>((resolve) => {
          this.#pause = { timer: setTimeout(resolve, reconnectDelay(++failures)), resolve };
        });
        this.#pause = undefined;
      }
    }
  }

  /** Hand fetched deliveries to the consumer, counted as held; a throwing `onDelivery` is reported. */
  protected handOut<D extends Delivery>(
    deliveries: readonly D[],
    track: (delivery: D) => void,
    onDelivery: (delivery: Delivery) => void,
  ): void {
    this.held += deliveries.length;
    for (const delivery of deliveries) {
      track(delivery);
      try {
        onDelivery(delivery);
      } catch (error) {
        this.#reporter.report(error, `onDelivery of the ${this.source}`);
      }
    }
  }
}

/**
 * Start `consumer`, registered in `consumers` first (so a broker close() while it starts stops it
 * too); the returned subscription unregisters and closes it. A failed start is undone and rethrown.
 */
export async function startConsumer<C extends { start(): Promise<void>; close(): Promise<void> }>(
  consumers: Set<C>,
  consumer: C,
  toError: (error: unknown) => Error,
): Promise<Subscription> {
  consumers.add(consumer);
  try {
    await consumer.start();
  } catch (error) {
    consumers.delete(consumer);
    await consumer.close();
    throw toError(error);
  }
  return {
    close: async () => {
      consumers.delete(consumer);
      await consumer.close();
    },
  };
}
