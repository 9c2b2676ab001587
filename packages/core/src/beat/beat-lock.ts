import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { ResultBackend } from '../backend/result-backend.ts';
import { coerceError } from '../errors/coerce-error.ts';

/** Options of {@link BeatLock}. */
export interface BeatLockOptions {
  backend: ResultBackend;
  /** Lease key, e.g. `beat:leader:default`. */
  key: string;
  /** Who holds the lease: unique per beat instance. */
  owner: string;
  /** Lease time to live, seconds. */
  ttl: number;
  logger: Logger;
  /** Called when this beat becomes the leader. */
  onAcquired(): void;
}

/** Report a failing backend at most this often while it keeps failing. */
const REPORT_EVERY_MS = 30_000;

/**
 * The leader lease of a group of beats: only the holder sends ticks. The holder renews it every
 * second (or every third of its TTL when that is shorter); the others try to take it as often, so
 * when the holder dies one of them leads within about one TTL.
 */
export class BeatLock {
  readonly #options: BeatLockOptions;
  readonly #everyMs: number;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;
  #held = false;
  /** performance.now() until which the lease is surely ours: its TTL counted from before the request. */
  #validUntil = 0;
  #since = 0;
  #lastReport = Number.NEGATIVE_INFINITY;

  constructor(options: BeatLockOptions) {
    this.#options = options;
    this.#everyMs = Math.min(1000, (options.ttl * 1000) / 3);
  }

  /** True while this beat surely holds the lease. */
  get isLeader(): boolean {
    return this.#held && performance.now() < this.#validUntil;
  }

  /** Epoch ms at which this beat last became the leader. */
  get leaderSince(): number {
    return this.#since;
  }

  /** Try once now, then keep trying / renewing on a timer. */
  async start(): Promise<void> {
    await this.#attempt();
    this.#timer = setInterval(() => {
      if (this.#inFlight === undefined) void this.#attempt();
    }, this.#everyMs);
  }

  /** Stop renewing and give the lease up, so another beat takes over at once. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#inFlight;
    if (!this.#held) return;
    this.#held = false;
    await this.#options.backend.releaseLease(this.#options.key, this.#options.owner).catch((error: unknown) => {
      this.#options.logger.warn({ err: coerceError(error) }, 'beat could not release its lock (it expires by itself)');
    });
  }

  #attempt(): Promise<void> {
    this.#inFlight = this.#renewOrAcquire().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  async #renewOrAcquire(): Promise<void> {
    const { backend, key, owner, ttl, logger } = this.#options;
    const sentAt = performance.now();
    const wasLeader = this.isLeader;
    let held: boolean;
    try {
      held = wasLeader ? await backend.renewLease(key, owner, ttl) : await backend.acquireLease(key, owner, ttl);
    } catch (error) {
      // Keep what we have: the lease stays ours until #validUntil, and isLeader turns false after it.
      if (performance.now() - this.#lastReport >= REPORT_EVERY_MS) {
        this.#lastReport = performance.now();
        logger.warn(
          { err: coerceError(error), lock: key },
          `beat cannot reach the result backend for its lock: ${wasLeader ? 'it stops sending when the lock expires' : 'it cannot take over'} until the backend answers again`,
        );
      }
      return;
    }
    this.#lastReport = Number.NEGATIVE_INFINITY;
    if (held) {
      this.#validUntil = sentAt + ttl * 1000;
      if (!this.#held || !wasLeader) {
        this.#held = true;
        this.#since = Date.now();
        logger.info({ lock: key, owner }, 'beat is the leader: it sends the due ticks');
        this.#options.onAcquired();
      }
    } else if (this.#held) {
      this.#held = false;
      logger.warn(
        { lock: key, owner },
        'beat lost its lock to another beat: it stands by and takes over if that one stops',
      );
    }
  }
}
