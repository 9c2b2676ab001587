import {
  CeleryMailbox,
  type CeleryMailboxNode,
  type CeleryMailboxReply,
  coerceError,
  type Json,
  parseCeleryMailboxMessage,
} from '@celeriac/core';
import type { Channel, ConsumeMessage } from 'amqplib';
import { isConnectionFailure } from '../errors.ts';
import type { ResolvedOptions } from '../options.ts';
import type { Publisher } from '../publisher.ts';
import type { ConnectionKeeper } from '../reconnect.ts';
import { type CeleryExchanges, PIDBOX_EXCHANGE, replyExchange } from './exchanges.ts';

/** Celery's `control_queue_expires` and `control_queue_ttl` (10 s and 300 s), as kombu declares them. */
const MAILBOX_QUEUE_ARGUMENTS = { 'x-expires': 10_000, 'x-message-ttl': 300_000 };

/** The mailbox queue of one node (a worker), once its hostname is known. */
interface Listener {
  channel: Channel | undefined;
  /** A `#listen` is under way (the channel is not open yet). */
  listening: boolean;
}

/**
 * Celery's remote control for Celeriac workers over RabbitMQ. Core's {@link CeleryMailbox} does
 * the mapping (addressing, methods, replies); here each worker that has told its hostname gets the
 * mailbox queue a Celery worker of that name would have, `<hostname>.celery.pidbox`, bound to the
 * `celery.pidbox` fanout exchange, and replies are published as kombu's `Mailbox._publish_reply`:
 * transient JSON to the `reply_to` exchange and routing key, with `ticket` and `clock` headers.
 */
export class PidboxBridge {
  readonly #consumer: ConnectionKeeper;
  readonly #publisher: Publisher;
  readonly #exchanges: CeleryExchanges;
  readonly #options: ResolvedOptions;
  readonly #mailbox: CeleryMailbox;
  readonly #listeners = new Map<CeleryMailboxNode, Listener>();

  constructor(consumer: ConnectionKeeper, publisher: Publisher, exchanges: CeleryExchanges, options: ResolvedOptions) {
    this.#consumer = consumer;
    this.#publisher = publisher;
    this.#exchanges = exchanges;
    this.#options = options;
    this.#mailbox = new CeleryMailbox({
      reply: (reply) => this.#reply(reply),
      named: (node) => void this.#listen(node),
      report: (error, source) => options.onError(error, source),
    });
    consumer.onConnected(() => {
      for (const [node, listener] of this.#listeners) {
        listener.channel = undefined;
        void this.#listen(node);
      }
    });
  }

  /** Bridge a CONTROL_CHANNEL listener; the returned function stops it and removes its mailbox. */
  attach(handler: (message: Json) => void): () => Promise<void> {
    const node = this.#mailbox.attach(handler);
    this.#listeners.set(node, { channel: undefined, listening: false });
    return () => this.#detach(node);
  }

  /** True when `message` (broadcast on REPLY_CHANNEL) answers a probe or a Celery request: it goes no further. */
  takeReply(message: Json): boolean {
    return this.#mailbox.takeReply(message);
  }

  async close(): Promise<void> {
    await Promise.all([...this.#listeners.keys()].map((node) => this.#detach(node)));
    this.#mailbox.close();
  }

  /** Declare and consume the node's mailbox queue (again after a reconnect or a closed channel). */
  async #listen(node: CeleryMailboxNode): Promise<void> {
    const listener = this.#listeners.get(node);
    const hostname = node.hostname;
    if (listener === undefined || node.closed || hostname === undefined) return;
    if (listener.channel !== undefined || listener.listening) return;
    listener.listening = true;
    let channel: Channel | undefined;
    try {
      await this.#exchanges.ensure(PIDBOX_EXCHANGE);
      const connection = await this.#consumer.get(this.#options.publishTimeout);
      channel = await connection.createChannel();
      const opened = channel;
      listener.channel = opened;
      opened.on('error', (error: Error) => this.#options.onError(error, 'Celery mailbox channel closed by RabbitMQ'));
      opened.on('close', () => {
        if (listener.channel !== opened) return;
        listener.channel = undefined;
        // Closed by an error while connected: listen again; a lost connection calls back on reconnect.
        if (!node.closed && this.#consumer.current !== undefined) this.#retry(node);
      });
      const queue = `${hostname}.${PIDBOX_EXCHANGE.name}`;
      await opened.assertQueue(queue, {
        durable: false,
        exclusive: false,
        autoDelete: true,
        arguments: MAILBOX_QUEUE_ARGUMENTS,
      });
      await opened.bindQueue(queue, PIDBOX_EXCHANGE.name, '');
      await opened.consume(queue, (message) => this.#receive(node, message), { noAck: true });
      if (node.closed) await opened.close().catch(() => undefined);
    } catch (error) {
      const coerced = coerceError(error);
      // Detached meanwhile (the worker or broker closed): the channel was closed under the declaration.
      if (!node.closed && !isConnectionFailure(coerced)) this.#options.onError(coerced, 'listen on the Celery mailbox');
      if (listener.channel === channel) listener.channel = undefined;
      await channel?.close().catch(() => undefined);
      if (!node.closed && this.#consumer.current !== undefined) this.#retry(node);
    } finally {
      listener.listening = false;
    }
  }

  #retry(node: CeleryMailboxNode): void {
    setTimeout(() => void this.#listen(node), this.#options.reconnectMaxDelay).unref();
  }

  #receive(node: CeleryMailboxNode, delivery: ConsumeMessage | null): void {
    if (delivery === null) {
      // RabbitMQ cancelled the consumer (the queue was deleted): declare it again.
      const listener = this.#listeners.get(node);
      const channel = listener?.channel;
      if (listener !== undefined) listener.channel = undefined;
      void channel?.close().catch(() => undefined);
      void this.#listen(node);
      return;
    }
    const message = parseCeleryMailboxMessage(delivery.content.toString('utf8'));
    if (message !== undefined) this.#mailbox.deliver(message, node);
  }

  async #reply(reply: CeleryMailboxReply): Promise<void> {
    await this.#exchanges.ensure(replyExchange(reply.exchange));
    await this.#publisher.send(
      [
        {
          exchange: reply.exchange,
          routingKey: reply.routingKey,
          content: Buffer.from(JSON.stringify(reply.body)),
          options: {
            contentType: 'application/json',
            contentEncoding: 'utf-8',
            deliveryMode: 1,
            headers: reply.headers,
          },
        },
      ],
      'broadcast',
    );
  }

  async #detach(node: CeleryMailboxNode): Promise<void> {
    const listener = this.#listeners.get(node);
    if (listener === undefined) return;
    this.#listeners.delete(node);
    this.#mailbox.detach(node);
    const channel = listener.channel;
    listener.channel = undefined;
    // Closing cancels the consumer; the auto-delete mailbox queue goes with it.
    await channel?.close().catch(() => undefined);
  }
}
