import type { Script } from '../scripts.ts';
import type { KombuKeys } from './kombu-keys.ts';

/** Most delayed messages one promote call moves per queue. */
const MAX_MOVE = 1000;
/** Longest timer Node accepts. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What the promoter needs from its broker. */
export interface PromoterHost {
  readonly keys: KombuKeys;
  readonly promote: Script;
  subscribe(channel: string, listener: (message: string) => void): Promise<() => Promise<void>>;
  report(error: unknown, source: string): void;
}

/**
 * Moves parked delayed messages back to kombu's lists when due, for the queues this broker
 * consumes or published delayed messages to: a timer at the earliest known eta, re-armed by the
 * notice a producer publishes with each delayed message, and a sweep every `sweepMs` for messages
 * parked by processes that have since gone. Any Celeriac process on the queue promotes, so a
 * delayed message waits for its eta even when only Celery workers consume the queue, as long as
 * one Celeriac broker that knows the queue is open.
 */
export class DelayedPromoter {
  readonly #host: PromoterHost;
  readonly #queues = new Map<string, Promise<unknown>>();
  readonly #unsubscribes: (() => Promise<void>)[] = [];
  readonly #sweep: NodeJS.Timeout;
  #timer: NodeJS.Timeout | undefined;
  #nextEta = Number.POSITIVE_INFINITY;
  #closed = false;

  constructor(host: PromoterHost, sweepMs: number) {
    this.#host = host;
    this.#sweep = setInterval(() => void this.#promoteAll(), sweepMs);
    this.#sweep.unref();
  }

  /** Promote `queue`'s delayed messages from now on (resolves once its notices are heard). */
  watch(queue: string): Promise<unknown> {
    let watching = this.#queues.get(queue);
    if (watching === undefined) {
      watching = this.#host
        .subscribe(this.#host.keys.delayedChannel(queue), (eta) => this.schedule(Number(eta)))
        .then((unsubscribe) => {
          this.#unsubscribes.push(unsubscribe);
          return this.#promote([queue]);
        });
      this.#queues.set(queue, watching);
      watching.catch((error: unknown) => {
        this.#queues.delete(queue);
        this.#host.report(error, `delayed messages of queue ${queue}`);
      });
    }
    return watching;
  }

  /** Promote at `eta` (epoch ms) unless a promotion is already due earlier. */
  schedule(eta: number): void {
    if (this.#closed || !(eta < this.#nextEta)) return;
    this.#nextEta = eta;
    clearTimeout(this.#timer);
    // Node timers may fire a little before Date.now() reaches eta; promote re-checks and re-arms.
    const wait = Math.min(Math.max(eta - Date.now(), 0), MAX_TIMER_MS);
    this.#timer = setTimeout(() => void this.#promoteAll(), wait);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweep);
    clearTimeout(this.#timer);
    await Promise.all(this.#unsubscribes.splice(0).map((unsubscribe) => unsubscribe().catch(() => undefined)));
  }

  async #promoteAll(): Promise<void> {
    this.#nextEta = Number.POSITIVE_INFINITY;
    clearTimeout(this.#timer);
    try {
      await this.#promote([...this.#queues.keys()]);
    } catch (error) {
      if (!this.#closed) this.#host.report(error, 'promoting delayed messages');
    }
  }

  async #promote(queues: readonly string[]): Promise<void> {
    if (this.#closed || queues.length === 0) return;
    const { keys, promote } = this.#host;
    const now = Date.now();
    const replies = (await Promise.all(
      queues.map((queue) => {
        const [delayed, messages] = keys.delayed(queue);
        return promote([delayed, messages, ...keys.lists(queue)], [now, MAX_MOVE, ...keys.steps]);
      }),
    )) as [number, string][];
    for (const [moved, next] of replies) {
      if (moved >= MAX_MOVE) this.schedule(now);
      else if (next !== '') this.schedule(Number(next));
    }
  }
}
