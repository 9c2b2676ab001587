import { ConfigError, type Json, type Subscription } from '@celeriac/core';
import type { Channel, ConsumeMessage } from 'amqplib';
import { ChannelSlot } from './channel-slot.ts';
import type { Declarer } from './declarer.ts';
import { toCeleriacError } from './errors.ts';
import type { ResolvedOptions } from './options.ts';
import type { ConnectionKeeper } from './reconnect.ts';
import type { Topology } from './topology.ts';

interface Listener {
  readonly channelName: string;
  readonly handler: (message: Json) => void;
  /** The queue and consumer on the current channel, once bound. */
  queue: string | undefined;
  /** The channel it is bound on: a listener is bound again when that channel is gone. */
  boundOn: Channel | undefined;
  closed: boolean;
}

/** Throws `ConfigError` for a broadcast channel name a topic binding would read as a wildcard. */
export function assertChannelName(channel: string): void {
  if (
    typeof channel !== 'string' ||
    channel === '' ||
    channel.split('.').some((word) => word === '*' || word === '#')
  ) {
    throw new ConfigError(`Broadcast channel "${channel}" must be non-empty, without "*" or "#" words.`);
  }
}

/**
 * `subscribeBroadcast()`: each listener gets an exclusive, auto-delete, server-named queue bound
 * to the broadcast topic exchange with its channel name, consumed without acks on one shared
 * channel of the consumer connection. After a reconnect every open listener is bound again on a
 * new queue; broadcasts sent while the connection was down are lost (they are events and control
 * messages, which have no use late).
 */
export class BroadcastHub {
  readonly #declarer: Declarer;
  readonly #options: ResolvedOptions;
  readonly #topology: Topology;
  readonly #listeners = new Set<Listener>();
  readonly #channel: ChannelSlot<Channel>;
  #rebinding: Promise<void> = Promise.resolve();

  constructor(keeper: ConnectionKeeper, declarer: Declarer, options: ResolvedOptions, topology: Topology) {
    this.#declarer = declarer;
    this.#options = options;
    this.#topology = topology;
    this.#channel = new ChannelSlot(
      async (timeoutMs) => {
        const channel = await (await keeper.get(timeoutMs)).createChannel();
        channel.on('error', (error: Error) => options.onError(error, 'broadcast channel closed by RabbitMQ'));
        return channel;
      },
      () => {
        // Closed by an error while the connection stays up: bind the listeners on a new channel.
        if (keeper.current !== undefined && this.#listeners.size > 0) void this.#rebind();
      },
    );
    keeper.onConnected(() => {
      this.#channel.reset();
      if (this.#listeners.size > 0) void this.#rebind();
    });
  }

  async subscribe(channelName: string, handler: (message: Json) => void): Promise<Subscription> {
    assertChannelName(channelName);
    const listener: Listener = { channelName, handler, queue: undefined, boundOn: undefined, closed: false };
    try {
      await this.#declarer.ensureBroadcast();
      await this.#bind(listener);
    } catch (error) {
      throw toCeleriacError(error, 'subscribe', this.#options.url);
    }
    this.#listeners.add(listener);
    return { close: () => this.#unsubscribe(listener) };
  }

  /** Drop every listener (the broker is closing; the exclusive queues go with the connection). */
  clear(): void {
    for (const listener of this.#listeners) listener.closed = true;
    this.#listeners.clear();
    this.#channel.reset();
  }

  async #bind(listener: Listener): Promise<void> {
    const channel = await this.#openChannel();
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
    await channel.bindQueue(queue, this.#topology.broadcastExchange, listener.channelName);
    await channel.consume(queue, (message) => this.#receive(listener, message), { noAck: true });
    listener.queue = queue;
    listener.boundOn = channel;
  }

  #receive(listener: Listener, message: ConsumeMessage | null): void {
    if (message === null || listener.closed) return;
    let parsed: Json;
    try {
      parsed = JSON.parse(message.content.toString('utf8')) as Json;
    } catch (error) {
      this.#options.onError(
        new Error(`undecodable broadcast on ${listener.channelName}: ${(error as Error).message}`),
        'broadcast',
      );
      return;
    }
    try {
      listener.handler(parsed);
    } catch (error) {
      this.#options.onError(toCeleriacError(error, 'subscribe', this.#options.url), 'broadcast handler threw');
    }
  }

  async #unsubscribe(listener: Listener): Promise<void> {
    if (listener.closed) return;
    listener.closed = true;
    this.#listeners.delete(listener);
    const channel = await this.#channel.current?.catch(() => undefined);
    if (channel === undefined || listener.queue === undefined) return;
    // Deleting the queue also cancels its consumer; an auto-delete queue would go anyway.
    await channel.deleteQueue(listener.queue).catch(() => undefined);
  }

  /** Bind every listener whose channel is gone on the current one; one pass at a time. */
  #rebind(): Promise<void> {
    this.#rebinding = this.#rebinding.then(async () => {
      for (const listener of this.#listeners) {
        if (listener.closed) continue;
        try {
          if (listener.boundOn === (await this.#openChannel())) continue;
          await this.#bind(listener);
        } catch (error) {
          const coerced = toCeleriacError(error, 'subscribe', this.#options.url);
          // A lost connection is reported once by the connection; the listeners are bound when it is back.
          if (coerced.code !== 'BROKER_CONNECTION') this.#options.onError(coerced, 'resubscribe broadcasts');
          return;
        }
      }
    });
    return this.#rebinding;
  }

  #openChannel(): Promise<Channel> {
    return this.#channel.get(this.#options.publishTimeout);
  }
}
