import type { Channel } from 'amqplib';
import type { ResolvedOptions } from './options.ts';
import type { ConnectionKeeper } from './reconnect.ts';
import {
  bucketDeclarations,
  DELAY_LEVELS,
  type Declaration,
  declareQueue,
  delayExchangeBindings,
  delayExchanges,
  type Topology,
} from './topology.ts';

/** Channels used at once to declare many things: RabbitMQ serializes each channel's requests. */
const DECLARE_WIDTH = 8;

/** A passive look at a queue that may not exist: its ready count, or undefined (404). */
type Probe = (channel: Channel) => Promise<number>;

/** Declares a task queue and its dead-letter queue ({@link declareQueue}, or Celery's layout). */
export type QueueDeclaration = typeof declareQueue;

/**
 * Declares topology on the producer connection, once per broker for each queue (again after a
 * reconnect, or when a publish came back unroutable), and runs passive checks on a separate
 * channel that may be closed by a 404 without disturbing anything else.
 */
export class Declarer {
  readonly #keeper: ConnectionKeeper;
  readonly #options: ResolvedOptions;
  readonly #topology: Topology;
  readonly #declareQueue: QueueDeclaration;
  /** Queues declared on the current connection. */
  #queues = new Map<string, Promise<void>>();
  /** Queues whose delay buckets exist (kept across reconnects: they are durable). */
  readonly #buckets = new Map<string, Promise<void>>();
  #delayExchanges: Promise<void> | undefined;
  #broadcast: Promise<void> | undefined;
  #channel: Promise<Channel> | undefined;
  #probeChannel: Promise<Channel> | undefined;
  #probeLock: Promise<unknown> = Promise.resolve();
  /** Every queue and exchange name declared through this instance (for cleanup tooling). */
  readonly declared: Set<string> = new Set();

  constructor(
    keeper: ConnectionKeeper,
    options: ResolvedOptions,
    topology: Topology,
    declareTaskQueue: QueueDeclaration = declareQueue,
  ) {
    this.#keeper = keeper;
    this.#options = options;
    this.#topology = topology;
    this.#declareQueue = declareTaskQueue;
    keeper.onConnected(() => {
      // Queues are cheap to redeclare and may have been deleted while we were away.
      this.#queues = new Map();
      this.#channel = undefined;
      this.#probeChannel = undefined;
    });
  }

  /** Declare `queue` and its dead-letter queue, if not done on this connection. */
  ensureQueue(queue: string): Promise<void> {
    let declared = this.#queues.get(queue);
    if (declared === undefined) {
      const topology = this.#topology;
      this.declared.add(topology.queue(queue)).add(topology.deadLetterQueue(queue));
      declared = this.#run((channel) => this.#declareQueue(channel, topology, queue, this.#options.maxPriority));
      this.#remember(this.#queues, queue, declared);
    }
    return declared;
  }

  /** Declare `queue`, the shared delay exchanges and `queue`'s buckets, if not done yet. */
  ensureBuckets(queue: string): Promise<void> {
    let declared = this.#buckets.get(queue);
    if (declared === undefined) {
      const topology = this.#topology;
      for (let level = 0; level < DELAY_LEVELS; level++) this.declared.add(topology.bucketQueue(queue, level));
      declared = (async () => {
        await this.ensureQueue(queue);
        await this.ensureDelayExchanges();
        await this.#runParallel(bucketDeclarations(topology, queue));
      })();
      this.#remember(this.#buckets, queue, declared);
    }
    return declared;
  }

  /** Declare the broadcast exchange, if not done yet. */
  ensureBroadcast(): Promise<void> {
    if (this.#broadcast === undefined) {
      const name = this.#topology.broadcastExchange;
      this.declared.add(name);
      const declared = this.#run(async (channel) => {
        await channel.assertExchange(name, 'topic', { durable: true });
      });
      this.#broadcast = declared;
      declared.catch(() => {
        if (this.#broadcast === declared) this.#broadcast = undefined;
      });
    }
    return this.#broadcast;
  }

  /** Forget what was declared for `queue` (a publish to it came back unroutable). */
  forget(queue: string): void {
    this.#queues.delete(queue);
    this.#buckets.delete(queue);
    this.#delayExchanges = undefined;
  }

  /** Ready count of an existing queue, or undefined when it does not exist. */
  count(name: string): Promise<number | undefined> {
    return this.probe(async (channel) => (await channel.checkQueue(name)).messageCount);
  }

  /** Purge an existing queue: how many messages it removed, or undefined when it does not exist. */
  purge(name: string): Promise<number | undefined> {
    return this.probe(async (channel) => (await channel.purgeQueue(name)).messageCount);
  }

  /**
   * Run `probe` on the probe channel, one at a time: a 404 (no such queue) closes that channel,
   * so it resolves to undefined and the channel is reopened for the next probe.
   */
  probe(probe: Probe): Promise<number | undefined> {
    const run = this.#probeLock.then(async () => {
      const channel = await this.#openProbeChannel();
      try {
        return await probe(channel);
      } catch (error) {
        this.#probeChannel = undefined;
        if ((error as { code?: unknown }).code === 404) return undefined;
        throw error;
      }
    });
    this.#probeLock = run.catch(() => undefined);
    return run;
  }

  /** Declare the delay exchanges shared by all queues, if not done yet (started by `connect()`). */
  ensureDelayExchanges(): Promise<void> {
    if (this.#delayExchanges === undefined) {
      for (const name of this.#topology.exchanges.slice(0, DELAY_LEVELS + 1)) this.declared.add(name);
      const declared = (async () => {
        await this.#runParallel(delayExchanges(this.#topology));
        await this.#runParallel(delayExchangeBindings(this.#topology));
      })();
      this.#delayExchanges = declared;
      declared.catch(() => {
        if (this.#delayExchanges === declared) this.#delayExchanges = undefined;
      });
    }
    return this.#delayExchanges;
  }

  #remember(cache: Map<string, Promise<void>>, queue: string, declared: Promise<void>): void {
    cache.set(queue, declared);
    declared.catch(() => {
      if (cache.get(queue) === declared) cache.delete(queue);
    });
  }

  async #run(declare: (channel: Channel) => Promise<void>): Promise<void> {
    const channel = await this.#openChannel();
    try {
      await declare(channel);
    } catch (error) {
      this.#channel = undefined;
      throw error;
    }
  }

  /** Run `steps` on a pool of short-lived channels, several at a time. */
  async #runParallel(steps: readonly Declaration[]): Promise<void> {
    const connection = await this.#keeper.get(this.#options.publishTimeout);
    const width = Math.min(DECLARE_WIDTH, steps.length);
    const channels = await Promise.all(Array.from({ length: width }, () => connection.createChannel()));
    for (const channel of channels) channel.on('error', () => undefined);
    let next = 0;
    try {
      await Promise.all(
        channels.map(async (channel) => {
          while (next < steps.length) await steps[next++]!(channel);
        }),
      );
    } finally {
      await Promise.all(channels.map((channel) => channel.close().catch(() => undefined)));
    }
  }

  #openChannel(): Promise<Channel> {
    this.#channel ??= this.#createChannel(() => {
      this.#channel = undefined;
    });
    return this.#channel;
  }

  #openProbeChannel(): Promise<Channel> {
    this.#probeChannel ??= this.#createChannel(() => {
      this.#probeChannel = undefined;
    });
    return this.#probeChannel;
  }

  #createChannel(onClose: () => void): Promise<Channel> {
    const created = (async () => {
      const connection = await this.#keeper.get(this.#options.publishTimeout);
      const channel = await connection.createChannel();
      // Errors close the channel; the operation that caused them rejects with the reason.
      channel.on('error', () => undefined);
      channel.on('close', () => {
        if (this.#channel === created) onClose();
        if (this.#probeChannel === created) onClose();
      });
      return channel;
    })();
    created.catch(onClose);
    return created;
  }
}
