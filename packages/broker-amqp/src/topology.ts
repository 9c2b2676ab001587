import { createHash } from 'node:crypto';
import { ConfigError } from '@celeriac/core';
import type { Channel } from 'amqplib';

/**
 * Delay levels: level k is a bucket queue whose messages all live exactly 2^k ms (k = 0 … 31).
 * A delay of d ms is the sum of the levels of d's set bits, so it is served exactly, to the
 * millisecond, by at most 32 hops, and never early: a bucket releases a message no sooner than
 * its TTL after it entered.
 */
export const DELAY_LEVELS = 32;
/** The longest delay one trip through the buckets covers (≈ 49.7 days); longer ones go round again. */
export const MAX_DELAY_MS: number = 2 ** DELAY_LEVELS - 1;

/** Header carrying a message's eta (epoch ms), so a consumer can hold back one that came early. */
export const ETA_HEADER = 'x-celeriac-eta';
/** Dead-letter headers: why, when (epoch ms), and from which queue (the Celeriac name). */
export const REASON_HEADER = 'x-celeriac-reason';
export const DEAD_AT_HEADER = 'x-celeriac-dead-lettered-at';
export const QUEUE_HEADER = 'x-celeriac-queue';

/** Longest Celeriac queue name: AMQP names stop at 255 bytes, and bucket names add a suffix. */
const MAX_QUEUE_BYTES = 200;

/** Where a delayed message is published: the exchange of its highest level, with its bit path. */
export interface DelayRoute {
  readonly exchange: string;
  readonly routingKey: string;
}

/**
 * Every AMQP name the broker uses, under one prefix. For queue `Q` (prefix `P`):
 * `PQ` (the queue), `PQ.dlq` (its dead letters), `PQ.delay.<2^k>ms` (its delay buckets), and the
 * shared exchanges `Pceleriac.delay.<2^k>ms`, `Pceleriac.delay.deliver`, `Pceleriac.broadcast`.
 */
export class Topology {
  readonly prefix: string;
  readonly #tokens = new Map<string, string>();

  constructor(prefix: string) {
    this.prefix = prefix;
  }

  /** The AMQP queue of Celeriac queue `queue`. */
  queue(queue: string): string {
    return this.prefix + queue;
  }

  deadLetterQueue(queue: string): string {
    return `${this.prefix}${queue}.dlq`;
  }

  bucketQueue(queue: string, level: number): string {
    return `${this.prefix}${queue}.delay.${2 ** level}ms`;
  }

  delayExchange(level: number): string {
    return `${this.prefix}celeriac.delay.${2 ** level}ms`;
  }

  get deliverExchange(): string {
    return `${this.prefix}celeriac.delay.deliver`;
  }

  get broadcastExchange(): string {
    return `${this.prefix}celeriac.broadcast`;
  }

  /** Names of the shared exchanges (for cleanup and docs). */
  get exchanges(): string[] {
    return [
      ...Array.from({ length: DELAY_LEVELS }, (_, level) => this.delayExchange(level)),
      this.deliverExchange,
      this.broadcastExchange,
    ];
  }

  /** Names of the queues of Celeriac queue `queue` (for cleanup and docs). */
  queuesOf(queue: string): string[] {
    return [
      this.queue(queue),
      this.deadLetterQueue(queue),
      ...Array.from({ length: DELAY_LEVELS }, (_, level) => this.bucketQueue(queue, level)),
    ];
  }

  /**
   * A topic word naming `queue` in delay routing keys: readable, dot-free, unique (a hash of the
   * full name). Topic words cannot hold `.`, `*` or `#`, which queue names may.
   */
  token(queue: string): string {
    let token = this.#tokens.get(queue);
    if (token === undefined) {
      const readable = queue.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 60);
      const hash = createHash('sha256').update(this.queue(queue)).digest('hex').slice(0, 16);
      token = `${readable}~${hash}`;
      this.#tokens.set(queue, token);
    }
    return token;
  }

  /**
   * The route of a message delayed by `delayMs` (1 … MAX_DELAY_MS, whole ms): the routing key
   * spells the delay in binary, level 31 first, then the queue's token. Each level's exchange
   * sends a 1 to its bucket and a 0 on to the next level down; level 0's zero and bucket both
   * lead to the deliver exchange, which routes by token to the queue.
   */
  delayRoute(queue: string, delayMs: number): DelayRoute {
    const words: string[] = new Array(DELAY_LEVELS + 1);
    let highest = 0;
    for (let level = DELAY_LEVELS - 1; level >= 0; level--) {
      const bit = Math.floor(delayMs / 2 ** level) % 2;
      if (bit === 1 && highest === 0 && level > 0) highest = level;
      words[DELAY_LEVELS - 1 - level] = bit === 1 ? '1' : '0';
    }
    words[DELAY_LEVELS] = this.token(queue);
    return { exchange: this.delayExchange(highest), routingKey: words.join('.') };
  }

  /** Binding key matching routing keys whose bit at `level` is `bit`, for any queue (or `token`). */
  levelPattern(level: number, bit: '0' | '1', token = '*'): string {
    const words = new Array<string>(DELAY_LEVELS + 1).fill('*');
    words[DELAY_LEVELS - 1 - level] = bit;
    words[DELAY_LEVELS] = token;
    return words.join('.');
  }
}

/** Throws `ConfigError` for a queue name AMQP cannot carry. */
export function assertQueueName(queue: string): void {
  if (typeof queue !== 'string' || queue === '') throw new ConfigError('A queue name must be a non-empty string.');
  if (Buffer.byteLength(queue) > MAX_QUEUE_BYTES) {
    throw new ConfigError(`Queue name "${queue.slice(0, 40)}…" is over ${MAX_QUEUE_BYTES} bytes, too long for AMQP.`);
  }
}

/** Queue arguments: fixed per name, since RabbitMQ refuses to redeclare a queue with others. */
export function queueArguments(maxPriority: number): Record<string, unknown> {
  return maxPriority === 0 ? {} : { 'x-max-priority': maxPriority };
}

/** Declare a task queue and its dead-letter queue. */
export async function declareQueue(
  channel: Channel,
  topology: Topology,
  queue: string,
  maxPriority: number,
): Promise<void> {
  await channel.assertQueue(topology.queue(queue), { durable: true, arguments: queueArguments(maxPriority) });
  await channel.assertQueue(topology.deadLetterQueue(queue), { durable: true });
}

/** One declaration step, run on any channel of a pool. */
export type Declaration = (channel: Channel) => Promise<unknown>;

/** The shared delay exchanges: declare these first, then {@link delayExchangeBindings}. */
export function delayExchanges(topology: Topology): Declaration[] {
  const names = [
    ...Array.from({ length: DELAY_LEVELS }, (_, level) => topology.delayExchange(level)),
    topology.deliverExchange,
  ];
  return names.map((name) => (channel) => channel.assertExchange(name, 'topic', { durable: true }));
}

/** Level k's exchange passes a 0 at bit k on to level k-1's (level 0's: to the deliver exchange). */
export function delayExchangeBindings(topology: Topology): Declaration[] {
  return Array.from({ length: DELAY_LEVELS }, (_, level) => {
    const next = level === 0 ? topology.deliverExchange : topology.delayExchange(level - 1);
    return (channel: Channel) =>
      channel.bindExchange(next, topology.delayExchange(level), topology.levelPattern(level, '0'));
  });
}

/**
 * `queue`'s delay buckets (declare the queue and the delay exchanges first): bucket k keeps
 * messages 2^k ms (`x-message-ttl`), then dead-letters them to level k-1's exchange (level 0: the
 * deliver exchange), keeping their routing key. One TTL per bucket, so expiry order is arrival
 * order and no message waits behind a longer one. The deliver exchange routes `queue`'s token to it.
 */
export function bucketDeclarations(topology: Topology, queue: string): Declaration[] {
  const token = topology.token(queue);
  const steps: Declaration[] = Array.from({ length: DELAY_LEVELS }, (_, level) => async (channel: Channel) => {
    const bucket = topology.bucketQueue(queue, level);
    const next = level === 0 ? topology.deliverExchange : topology.delayExchange(level - 1);
    await channel.assertQueue(bucket, {
      durable: true,
      arguments: { 'x-message-ttl': 2 ** level, 'x-dead-letter-exchange': next },
    });
    await channel.bindQueue(bucket, topology.delayExchange(level), topology.levelPattern(level, '1', token));
  });
  steps.push((channel) => channel.bindQueue(topology.queue(queue), topology.deliverExchange, `#.${token}`));
  return steps;
}
