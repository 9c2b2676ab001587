import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Delivery } from '@celeriac/core';
import type { Redis } from 'ioredis';
import { CONSUMER_GROUP, type KeySpace, PRIORITY_LEVELS } from '../keys.ts';
import { defineScript, type Script } from '../scripts.ts';
import { type DeliveryOwner, RedisDelivery } from './delivery.ts';
import { FetchLoop, type FetchLoopReporter } from './fetch-loop.ts';

/** Most delayed messages one promote call moves, and expired leases one reclaim call gives back. */
const MAX_MOVE = 1000;
const RECLAIMER = 'celeriac-reclaimer';
/** Longest timer Node accepts. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What a consumer needs from its broker. */
export interface ConsumerHost extends FetchLoopReporter {
  readonly keys: KeySpace;
  readonly fetch: Script;
  readonly reclaim: Script;
  readonly promote: Script;
  readonly maxDeadLetters: number;
  /** The lease: a delivery idle this long is given back to its queue. */
  readonly visibilityTimeoutMs: number;
  /** How often the recovery sweep runs (the lease renewal interval). */
  readonly sweepIntervalMs: number;
  /** A new blocking connection, ready. */
  openBlocking(): Promise<Redis>;
  /** End the BLPOP of connection `id` early (CLIENT UNBLOCK); false when that failed. */
  unblock(id: number): Promise<boolean>;
  closeConnection(client: Redis): Promise<void>;
  subscribe(channel: string, listener: (message: string) => void): Promise<() => Promise<void>>;
  /** A delivery was handed out (the broker tracks it until settled). */
  track(delivery: RedisDelivery): void;
  /** Put deliveries that were fetched but never handed out back, untouched. */
  giveBack(deliveries: readonly RedisDelivery[]): Promise<void>;
}

/**
 * One `consume()` subscription: fetches up to its free prefetch budget with the fetch script,
 * blocks on the queues' wake lists (BLPOP on its own connection) when nothing is ready, moves
 * delayed messages when due, and runs the recovery sweep (expired leases) every sweep interval.
 */
export class Consumer extends FetchLoop implements DeliveryOwner {
  /** Unique; ends with this consumer's lease (":L<ms>"), which the recovery sweep of every consumer honours. */
  readonly name: string;
  readonly #host: ConsumerHost;
  readonly #onDelivery: (delivery: Delivery) => void;
  /** The key blocks of every queue, in queue order: the fetch script's KEYS. */
  readonly #keys: readonly string[];
  readonly #fetchArgs: (string | number)[];
  readonly #wakeKeys: readonly string[];
  /** Stream key by stream index (10 × queue index + priority), as the fetch script reports it. */
  readonly #streams: readonly string[];
  #blocking: Redis | undefined;
  #blockingFetch: Script | undefined;
  /** Its client id (for CLIENT UNBLOCK), renewed on every reconnection. */
  #blockingId: number | undefined;
  /** A BLPOP is in flight on the blocking connection. */
  #blocked = false;
  #starting: Promise<void> | undefined;
  #loop: Promise<void> | undefined;
  #sweepTimer: NodeJS.Timeout | undefined;
  #sweeping = false;
  #delayTimer: NodeJS.Timeout | undefined;
  #nextEta = Number.POSITIVE_INFINITY;
  #unsubscribes: (() => Promise<void>)[] = [];

  constructor(host: ConsumerHost, queues: readonly string[], prefetch: number, onDelivery: (d: Delivery) => void) {
    super(host, queues, prefetch);
    this.#host = host;
    this.name = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}:L${host.visibilityTimeoutMs}`;
    this.#onDelivery = onDelivery;
    this.#keys = queues.flatMap((queue) => host.keys.queueKeys(queue));
    this.#fetchArgs = [CONSUMER_GROUP, this.name, 0, 0, host.maxDeadLetters, ...queues];
    this.#wakeKeys = queues.map((queue) => host.keys.wake(queue));
    this.#streams = queues.flatMap((queue) =>
      Array.from({ length: PRIORITY_LEVELS }, (_, level) => host.keys.stream(queue, level)),
    );
  }

  /** Open the blocking connection, listen for new delayed messages, and start fetching. */
  start(): Promise<void> {
    this.#starting ??= this.#start();
    return this.#starting;
  }

  async #start(): Promise<void> {
    const blocking = await this.#host.openBlocking();
    this.#blocking = blocking;
    this.#blockingFetch = defineScript(blocking, 'fetch');
    // Its id, for CLIENT UNBLOCK at close; a reconnection gets a new one.
    const readId = (): Promise<void> =>
      blocking.client('ID').then(
        (id) => {
          this.#blockingId = id;
        },
        () => undefined,
      );
    blocking.on('ready', () => void readId());
    await readId();
    for (const queue of this.queues) {
      if (this.closed) return;
      const channel = this.#host.keys.delayedChannel(queue);
      this.#unsubscribes.push(await this.#host.subscribe(channel, (eta) => this.#schedule(Number(eta))));
    }
    // close() during start waits for it, then undoes what it opened.
    if (this.closed) return;
    this.#sweepTimer = setInterval(() => void this.#sweep(), this.#host.sweepIntervalMs);
    this.#sweepTimer.unref();
    void this.#sweep();
    this.#loop = this.run();
  }

  /** Stop fetching; deliveries handed out stay the caller's to settle. */
  async close(): Promise<void> {
    if (this.closed) return this.#loop;
    this.closed = true;
    await this.#starting?.catch(() => undefined);
    clearInterval(this.#sweepTimer);
    clearTimeout(this.#delayTimer);
    this.interruptWaits();
    // A blocked BLPOP is ended with CLIENT UNBLOCK rather than by dropping the connection: the fetch
    // queued behind it may already have run, and its reply (messages now leased to this consumer)
    // must arrive so they can be given back at once instead of after the visibility timeout.
    if (this.#blocked) {
      const id = this.#blockingId;
      if (id === undefined || !(await this.#host.unblock(id))) this.#blocking?.disconnect();
    }
    // The loop ends within a round trip; if the blocking connection is away (reconnecting), drop it.
    const loop = this.#loop ?? Promise.resolve();
    const ended = await Promise.race([loop.then(() => true), sleep(2000, false, { ref: false })]);
    if (!ended) {
      this.#blocking?.disconnect();
      await loop;
    }
    const unsubscribes = this.#unsubscribes;
    this.#unsubscribes = [];
    await Promise.all(unsubscribes.map((unsubscribe) => unsubscribe().catch(() => undefined)));
    if (this.#blocking !== undefined) await this.#host.closeConnection(this.#blocking);
  }

  protected take(wanted: number, drained: boolean): Promise<number> {
    return drained ? this.#waitAndFetch(wanted) : this.#fetch(wanted);
  }

  #args(wanted: number): (string | number)[] {
    const args = this.#fetchArgs;
    args[2] = wanted;
    args[3] = Date.now();
    return args;
  }

  /** Fetch now, on the command connection. */
  async #fetch(wanted: number): Promise<number> {
    return this.#take((await this.#host.fetch(this.#keys, this.#args(wanted))) as (string | number)[]);
  }

  /**
   * Block on the wake lists with a fetch pipelined right behind the BLPOP on the blocking
   * connection: Redis runs the fetch the moment BLPOP returns (a token, or the timeout), so waking
   * up costs no extra round trip.
   */
  async #waitAndFetch(wanted: number): Promise<number> {
    const blocking = this.#blocking!;
    this.#blocked = true;
    try {
      const [, reply] = await Promise.all([
        blocking.blpop(...this.#wakeKeys, this.#host.sweepIntervalMs / 1000),
        this.#blockingFetch!(this.#keys, this.#args(wanted)),
      ]);
      return this.#take(reply as (string | number)[]);
    } finally {
      this.#blocked = false;
    }
  }

  /** Hand out what a fetch returned (five items per message); give it back when closed meanwhile. */
  async #take(reply: (string | number)[]): Promise<number> {
    const deliveries: RedisDelivery[] = [];
    for (let i = 0; i < reply.length; i += 5) {
      const index = reply[i] as number;
      const priority = index % PRIORITY_LEVELS;
      deliveries.push(
        new RedisDelivery(
          reply[i + 2] as string,
          this.queues[(index - priority) / PRIORITY_LEVELS]!,
          reply[i + 3] as string,
          priority,
          (reply[i + 4] as number) > 0,
          this.#streams[index]!,
          reply[i + 1] as string,
          this,
        ),
      );
    }
    if (this.closed) {
      // Closed while the fetch was in flight: nothing more is handed out.
      if (deliveries.length > 0) await this.#host.giveBack(deliveries);
      return deliveries.length;
    }
    this.handOut(deliveries, (delivery) => this.#host.track(delivery), this.#onDelivery);
    return deliveries.length;
  }

  /** Recovery sweep: give expired leases back, then promote due delayed messages. */
  async #sweep(): Promise<void> {
    if (this.#sweeping || this.closed) return;
    this.#sweeping = true;
    try {
      const host = this.#host;
      const now = Date.now();
      const idleConsumerMs = 10 * host.visibilityTimeoutMs;
      await Promise.all(
        this.queues.map((queue) =>
          host.reclaim(host.keys.queueKeys(queue), [
            CONSUMER_GROUP,
            RECLAIMER,
            host.visibilityTimeoutMs,
            MAX_MOVE,
            now,
            queue,
            host.maxDeadLetters,
            idleConsumerMs,
          ]),
        ),
      );
      await this.#promote();
    } catch (error) {
      if (!this.closed) this.#host.reportRedis(error, `recovery sweep of the ${this.source}`);
    } finally {
      this.#sweeping = false;
    }
  }

  /** Move due delayed messages; set the timer for the earliest one left. */
  async #promote(): Promise<void> {
    this.#nextEta = Number.POSITIVE_INFINITY;
    clearTimeout(this.#delayTimer);
    const host = this.#host;
    const now = Date.now();
    const replies = (await Promise.all(
      this.queues.map((queue) => host.promote(host.keys.queueKeys(queue), [now, MAX_MOVE, queue, host.maxDeadLetters])),
    )) as [number, string][];
    for (const [moved, next] of replies) {
      if (moved >= MAX_MOVE) this.#schedule(now);
      else if (next !== '') this.#schedule(Number(next));
    }
  }

  /** Promote at `eta` unless a promotion is already due earlier. */
  #schedule(eta: number): void {
    if (this.closed || !(eta < this.#nextEta)) return;
    this.#nextEta = eta;
    clearTimeout(this.#delayTimer);
    // Node timers may fire a little before Date.now() reaches eta; promote re-checks and re-arms.
    const wait = Math.min(Math.max(eta - Date.now(), 0), MAX_TIMER_MS);
    this.#delayTimer = setTimeout(() => {
      this.#promote().catch((error: unknown) => {
        if (!this.closed) this.#host.reportRedis(error, `delayed messages of the ${this.source}`);
      });
    }, wait);
    this.#delayTimer.unref();
  }
}
