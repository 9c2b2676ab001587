/**
 * Every Redis key and pub/sub channel name the broker and the backend use, and nothing else: the
 * README's key table is this file. All names start with the configured prefix.
 */

/** Consumer group of every ready stream. */
export const CONSUMER_GROUP = 'celeriac';

/** Priorities 0–9: one ready stream each. */
export const PRIORITY_LEVELS = 10;

/** Keys in one queue's block, in the order the Lua scripts expect (src/lua/includes/queue-keys.lua). */
export const QUEUE_KEY_COUNT = 16;

/** Key and channel names under one prefix. */
export class KeySpace {
  readonly prefix: string;
  readonly #blocks = new Map<string, readonly string[]>();

  constructor(prefix: string) {
    this.prefix = prefix;
  }

  /**
   * The keys of one queue, in the order of `includes/queue-keys.lua`: level marks, wake list,
   * sequence, delayed zset, dead-letter ids, dead-letter records, then the ready streams of
   * priorities 0–9. Cached: the same array for the same queue.
   */
  queueKeys(queue: string): readonly string[] {
    let block = this.#blocks.get(queue);
    if (block === undefined) {
      const base = `${this.prefix}queue:${queue}:`;
      block = Object.freeze([
        `${base}levels`,
        `${base}wake`,
        `${base}seq`,
        `${base}delayed`,
        `${base}dead`,
        `${base}dead:data`,
        ...Array.from({ length: PRIORITY_LEVELS }, (_, level) => `${base}ready:${level}`),
      ]);
      this.#blocks.set(queue, block);
    }
    return block;
  }

  /** The ready stream of `queue` for `priority`. */
  stream(queue: string, priority: number): string {
    return this.queueKeys(queue)[6 + priority]!;
  }

  /** The wake list of `queue`, on which idle consumers block. */
  wake(queue: string): string {
    return this.queueKeys(queue)[1]!;
  }

  /** Dead-letter ids (zset) and records (hash) of `queue`. */
  deadLetters(queue: string): [ids: string, records: string] {
    const block = this.queueKeys(queue);
    return [block[4]!, block[5]!];
  }

  /** Pub/sub channel announcing a new earliest eta of `queue`'s delayed messages. */
  delayedChannel(queue: string): string {
    return `${this.prefix}delayed:${queue}`;
  }

  /** Pub/sub channel of a broadcast channel (events, control). */
  broadcastChannel(channel: string): string {
    return `${this.prefix}broadcast:${channel}`;
  }

  /** A task's result record; the same name is the pub/sub channel that wakes its watchers. */
  result(taskId: string): string {
    return `${this.prefix}result:${taskId}`;
  }

  /** A task's log lines. */
  log(taskId: string): string {
    return `${this.prefix}log:${taskId}`;
  }

  /** A backend key: counters, `setIfAbsent` markers and leases share this space. */
  key(key: string): string {
    return `${this.prefix}key:${key}`;
  }

  /** Glob matching every key and channel under the prefix (for cleanup tools). */
  pattern(): string {
    return `${this.prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  }
}
