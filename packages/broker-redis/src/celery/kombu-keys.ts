/**
 * Every Redis key and channel name of Celery mode. kombu's own names (the queue lists, bindings,
 * unacked bookkeeping, fanout channels) are exactly kombu 5.2's Redis transport's, behind its
 * `global_keyprefix` transport option (default none); the keys only Celeriac uses (parked delayed
 * messages, dead letters, broadcasts) also start with Celeriac's `prefix`.
 */

/** kombu's separator inside priority list names and binding entries (`Channel.sep`). */
export const KOMBU_SEP = '\x06\x16';

/** kombu's default `priority_steps`. */
export const KOMBU_PRIORITY_STEPS: readonly number[] = Object.freeze([0, 3, 6, 9]);

/** Keys at the head of a queue's block, before its priority lists (see `queueBlock`). */
export const BLOCK_HEAD = 5;

export class KombuKeys {
  /** kombu's `global_keyprefix`. */
  readonly globalPrefix: string;
  /** Start of the keys only Celeriac uses, after the global prefix. */
  readonly prefix: string;
  readonly steps: readonly number[];
  readonly unacked: string;
  readonly unackedIndex: string;
  readonly unackedMutex: string;
  /** kombu's fanout prefix: `/{db}.` (fanout_prefix = True, the default since kombu 4). */
  readonly #fanoutPrefix: string;
  readonly #blocks = new Map<string, readonly string[]>();

  constructor(options: { globalPrefix: string; prefix: string; steps: readonly number[]; db: number }) {
    this.globalPrefix = options.globalPrefix;
    this.prefix = options.globalPrefix + options.prefix;
    this.steps = options.steps;
    this.unacked = `${options.globalPrefix}unacked`;
    this.unackedIndex = `${options.globalPrefix}unacked_index`;
    this.unackedMutex = `${options.globalPrefix}unacked_mutex`;
    this.#fanoutPrefix = `${options.globalPrefix}/${options.db}.`;
  }

  /**
   * The keys of one queue, in the order the Lua scripts expect: parked delayed messages (zset of
   * delivery tags by eta, hash of messages), dead letters (ids zset, records hash, sequence), then
   * kombu's priority lists in step order (`queue`, `queue\x06\x163`, …). Cached per queue.
   */
  queueBlock(queue: string): readonly string[] {
    let block = this.#blocks.get(queue);
    if (block === undefined) {
      const own = `${this.prefix}celery:${queue}:`;
      block = Object.freeze([
        `${own}delayed`,
        `${own}delayed:messages`,
        `${own}dead`,
        `${own}dead:records`,
        `${own}dead:seq`,
        ...this.steps.map((step) => this.#list(queue, step)),
      ]);
      this.#blocks.set(queue, block);
    }
    return block;
  }

  /** kombu's priority lists of `queue`, in step order (the order kombu BRPOPs them). */
  lists(queue: string): readonly string[] {
    return this.queueBlock(queue).slice(BLOCK_HEAD);
  }

  /** The list kombu files a message of kombu priority `priority` under (`_q_for_pri`). */
  listFor(queue: string, priority: number): string {
    let index = 0;
    this.steps.forEach((step, i) => {
      if (step <= priority) index = i;
    });
    return this.lists(queue)[index]!;
  }

  /** Delayed zset and messages hash of `queue`. */
  delayed(queue: string): readonly [string, string] {
    const block = this.queueBlock(queue);
    return [block[0]!, block[1]!];
  }

  /** Dead-letter ids, records and sequence of `queue`. */
  deadLetters(queue: string): readonly [string, string, string] {
    const block = this.queueBlock(queue);
    return [block[2]!, block[3]!, block[4]!];
  }

  /** kombu's binding table of `exchange` (a set of `routing_key SEP pattern SEP queue`). */
  binding(exchange: string): string {
    return `${this.globalPrefix}_kombu.binding.${exchange}`;
  }

  /** One entry of a binding table, as kombu's `_queue_bind` writes it. */
  static bindingEntry(routingKey: string, pattern: string, queue: string): string {
    return [routingKey, pattern, queue].join(KOMBU_SEP);
  }

  /** The channel kombu PUBLISHes a fanout exchange's messages on (`_get_publish_topic`). */
  fanout(exchange: string, routingKey = ''): string {
    return routingKey === '' ? `${this.#fanoutPrefix}${exchange}` : `${this.#fanoutPrefix}${exchange}/${routingKey}`;
  }

  /** Pub/sub channel announcing a new delayed message of `queue` (its eta), to re-arm promoters. */
  delayedChannel(queue: string): string {
    return `${this.prefix}celery:${queue}:delayed:notice`;
  }

  /** Pub/sub channel of a Celeriac broadcast channel (events, control). */
  broadcastChannel(channel: string): string {
    return `${this.prefix}broadcast:${channel}`;
  }

  #list(queue: string, step: number): string {
    return step === 0 ? `${this.globalPrefix}${queue}` : `${this.globalPrefix}${queue}${KOMBU_SEP}${step}`;
  }
}
