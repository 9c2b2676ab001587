import { setTimeout as sleep } from 'node:timers/promises';
import type { Delivery } from '@celeriac/core';
import type { Redis } from 'ioredis';
import { FetchLoop, type FetchLoopReporter } from '../internal/fetch-loop.ts';
import type { Script } from '../scripts.ts';
import { KombuDelivery, type KombuDeliveryOwner } from './kombu-delivery.ts';
import type { KombuKeys } from './kombu-keys.ts';
import { decodeKombuMessage } from './kombu-message.ts';

/** BRPOP timeout, seconds: only bounds how long a lost wake-up could go unnoticed. */
const BLOCK_SECONDS = 5;

/** What a consumer needs from its broker. */
export interface KombuConsumerHost extends FetchLoopReporter {
  readonly keys: KombuKeys;
  readonly fetch: Script;
  readonly maxDeadLetters: number;
  /** A new blocking connection, ready. */
  openBlocking(): Promise<Redis>;
  /** End the BRPOP of connection `id` early (CLIENT UNBLOCK). */
  unblock(id: number): Promise<'unblocked' | 'not blocked' | 'failed'>;
  closeConnection(client: Redis): Promise<void>;
  /** A delivery was handed out (the broker tracks it until settled). */
  track(delivery: KombuDelivery): void;
  /** Put deliveries that were fetched but never handed out back, untouched, at the front. */
  giveBack(deliveries: readonly KombuDelivery[]): Promise<void>;
  /** Dead-letter a fetched message Celeriac cannot run. */
  reject(queue: string, fields: { tag: string; id: string; raw: string; reason: string }): Promise<void>;
  /** The fetch parked a message until `eta` (epoch ms). */
  parked(eta: number): void;
}

/**
 * One `consume()` subscription on kombu's lists: takes up to its free prefetch budget with the
 * fetch script; when every list is empty, blocks in BRPOP on all of them (kombu's own wait, in
 * kombu's key order) on its own connection, and hands the popped message to the fetch script to
 * be recorded as unacked, parked or dead-lettered.
 */
export class KombuConsumer extends FetchLoop implements KombuDeliveryOwner {
  readonly #host: KombuConsumerHost;
  readonly #onDelivery: (delivery: Delivery) => void;
  readonly #keys: readonly string[];
  /** BRPOP keys: every queue's list of the first step, then of the next step, … (kombu's order). */
  readonly #waitKeys: readonly string[];
  readonly #queueOfList = new Map<string, number>();
  #blocking: Redis | undefined;
  #blockingId: number | undefined;
  #blocked = false;
  #starting: Promise<void> | undefined;
  #loop: Promise<void> | undefined;

  constructor(host: KombuConsumerHost, queues: readonly string[], prefetch: number, onDelivery: (d: Delivery) => void) {
    super(host, queues, prefetch);
    this.#host = host;
    this.#onDelivery = onDelivery;
    const { keys } = host;
    this.#keys = [keys.unacked, keys.unackedIndex, ...queues.flatMap((queue) => keys.queueBlock(queue))];
    this.#waitKeys = keys.steps.flatMap((_, step) => queues.map((queue) => keys.lists(queue)[step]!));
    queues.forEach((queue, q) => {
      for (const list of keys.lists(queue)) this.#queueOfList.set(list, q + 1);
    });
  }

  /** Open the blocking connection and start fetching. */
  start(): Promise<void> {
    this.#starting ??= this.#start();
    return this.#starting;
  }

  async #start(): Promise<void> {
    const blocking = await this.#host.openBlocking();
    this.#blocking = blocking;
    const readId = (): Promise<void> =>
      blocking.client('ID').then(
        (id) => {
          this.#blockingId = id;
        },
        () => undefined,
      );
    blocking.on('ready', () => void readId());
    await readId();
    if (this.closed) return;
    this.#loop = this.run();
  }

  /** Stop fetching; deliveries handed out stay the caller's to settle. */
  async close(): Promise<void> {
    if (this.closed) return this.#loop;
    this.closed = true;
    await this.#starting?.catch(() => undefined);
    this.interruptWaits();
    // CLIENT UNBLOCK ends a BRPOP with no reply (it pops nothing); a message it popped just before
    // still arrives, and is pushed back where it was. A BRPOP still on its way to Redis is not
    // blocked yet (UNBLOCK answers 0), so keep asking until the loop ends.
    const loop = this.#loop ?? Promise.resolve();
    let ended = false;
    void loop.then(() => {
      ended = true;
    });
    for (let attempt = 0; attempt < 100 && this.#blocked && !ended; attempt++) {
      const id = this.#blockingId;
      const unblocked = id === undefined ? 'failed' : await this.#host.unblock(id);
      if (unblocked !== 'not blocked') break;
      await sleep(10);
    }
    ended = await Promise.race([loop.then(() => true), sleep(2000, false, { ref: false })]);
    if (!ended) {
      this.#blocking?.disconnect();
      await loop;
    }
    if (this.#blocking !== undefined) await this.#host.closeConnection(this.#blocking);
  }

  protected async take(wanted: number, drained: boolean): Promise<number> {
    if (!drained) return this.#fetch(wanted);
    const popped = await this.#wait();
    // Nothing within the BRPOP timeout (or closing): still drained, so the loop waits again.
    return popped === null ? 0 : this.#fetch(wanted, popped);
  }

  /** BRPOP on every list; null on timeout or close (a message popped meanwhile is pushed back). */
  async #wait(): Promise<[list: string, item: string] | null> {
    const blocking = this.#blocking!;
    this.#blocked = true;
    let popped: [string, string] | null;
    try {
      popped = await blocking.brpop(...this.#waitKeys, BLOCK_SECONDS);
    } finally {
      this.#blocked = false;
    }
    if (popped !== null && this.closed) {
      await blocking.rpush(popped[0], popped[1]);
      return null;
    }
    return popped;
  }

  /** Run the fetch script (taking `popped` first, if given) and hand out what it returns. */
  async #fetch(wanted: number, popped?: [list: string, item: string]): Promise<number> {
    const claimed = popped === undefined ? 0 : (this.#queueOfList.get(popped[0]) ?? 0);
    const reply = (await this.#host.fetch(this.#keys, [
      wanted,
      Date.now(),
      this.#host.maxDeadLetters,
      this.#host.keys.steps.length,
      popped?.[1] ?? '',
      claimed,
      ...this.queues,
    ])) as (string | number)[];
    if (reply[0] !== '') this.#host.parked(Number(reply[0]));
    const deliveries: KombuDelivery[] = [];
    for (let i = 1; i < reply.length; i += 2) {
      const queue = this.queues[(reply[i] as number) - 1]!;
      const raw = reply[i + 1] as string;
      const decoded = decodeKombuMessage(raw, queue);
      if (!decoded.ok) {
        await this.#host.reject(queue, { tag: decoded.tag, id: decoded.id, raw, reason: decoded.reason });
        continue;
      }
      const { tag, id, body, priority, redelivered } = decoded;
      deliveries.push(new KombuDelivery({ id, queue, body, priority, redelivered, tag, raw, owner: this }));
    }
    if (this.closed) {
      if (deliveries.length > 0) await this.#host.giveBack(deliveries);
      return (reply.length - 1) / 2;
    }
    this.handOut(deliveries, (delivery) => this.#host.track(delivery), this.#onDelivery);
    return (reply.length - 1) / 2;
  }
}
