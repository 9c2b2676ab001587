import { randomUUID } from 'node:crypto';
import { type ControlReply, type ControlRequest, coerceError, type Json } from '@celeriac/core';
import type { Channel, ConsumeMessage } from 'amqplib';
import { isConnectionFailure } from '../errors.ts';
import type { ResolvedOptions } from '../options.ts';
import type { Publisher } from '../publisher.ts';
import type { ConnectionKeeper } from '../reconnect.ts';
import { type CeleryExchanges, PIDBOX_EXCHANGE, replyExchange } from './exchanges.ts';
import { addressedTo, type MailboxMessage, parseMailboxMessage, translate } from './mailbox-message.ts';

/** A local listener of core's CONTROL_CHANNEL: one worker. */
type ControlHandler = (message: Json) => void;

/** How soon a worker is first asked its name, and the longest wait between two asks. */
const PROBE_FIRST_MS = 20;
const PROBE_MAX_MS = 1000;
/** A request whose worker never answered is forgotten after this long. */
const PENDING_TTL_MS = 60_000;
/** Celery's `control_queue_expires` and `control_queue_ttl` (10 s and 300 s), as kombu declares them. */
const MAILBOX_QUEUE_ARGUMENTS = { 'x-expires': 10_000, 'x-message-ttl': 300_000 };

interface Node {
  readonly handler: ControlHandler;
  /** The worker's hostname, learned from its answer to a ping sent in-process. */
  hostname: string | undefined;
  channel: Channel | undefined;
  /** A `#listen` is under way (the channel is not open yet). */
  listening: boolean;
  probeTimer: NodeJS.Timeout | undefined;
  closed: boolean;
}

interface ReplyTarget {
  readonly exchange: string;
  readonly routingKey: string;
  readonly ticket: string | null;
}

interface PendingReply extends ReplyTarget {
  readonly at: number;
}

/**
 * Celery's remote control for Celeriac workers. Each worker (a local listener of core's
 * CONTROL_CHANNEL) gets the mailbox queue a Celery worker of its hostname would have,
 * `<hostname>.celery.pidbox`, bound to the `celery.pidbox` fanout exchange. A mailbox message
 * addressed to it becomes a core control request handed to that worker in-process; the worker's
 * reply (which core broadcasts on REPLY_CHANNEL through this broker) is taken here and published
 * as kombu's `Node.reply` does: `{ hostname: result }` to the `reply_to` exchange and routing key,
 * with the `ticket` header the asking client collects by.
 *
 * The broker does not know a worker's hostname when it subscribes, so it asks: an in-process ping
 * repeated until the worker, once running, answers with its name.
 */
export class PidboxBridge {
  readonly #consumer: ConnectionKeeper;
  readonly #publisher: Publisher;
  readonly #exchanges: CeleryExchanges;
  readonly #options: ResolvedOptions;
  readonly #nodes = new Set<Node>();
  readonly #probes = new Map<string, Node>();
  readonly #pending = new Map<string, PendingReply>();
  #clock = 0;

  constructor(consumer: ConnectionKeeper, publisher: Publisher, exchanges: CeleryExchanges, options: ResolvedOptions) {
    this.#consumer = consumer;
    this.#publisher = publisher;
    this.#exchanges = exchanges;
    this.#options = options;
    consumer.onConnected(() => {
      for (const node of this.#nodes) {
        node.channel = undefined;
        void this.#listen(node);
      }
    });
  }

  /** Bridge a CONTROL_CHANNEL listener; the returned function stops it and removes its mailbox. */
  attach(handler: ControlHandler): () => Promise<void> {
    const node: Node = {
      handler,
      hostname: undefined,
      channel: undefined,
      listening: false,
      probeTimer: undefined,
      closed: false,
    };
    this.#nodes.add(node);
    this.#probe(node, PROBE_FIRST_MS);
    return () => this.#detach(node);
  }

  /** True when `message` (broadcast on REPLY_CHANNEL) answers a probe or a Celery request: it goes no further. */
  takeReply(message: Json): boolean {
    const reply = message as unknown as ControlReply | null;
    if (reply?.type !== 'control-reply') return false;
    const probed = this.#probes.get(reply.requestId);
    if (probed !== undefined) {
      this.#learn(probed, reply.hostname);
      return true;
    }
    const pending = this.#pending.get(reply.requestId);
    if (pending === undefined) return false;
    this.#pending.delete(reply.requestId);
    void this.#reply(pending, { [reply.hostname]: reply.result });
    return true;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#nodes].map((node) => this.#detach(node)));
    this.#pending.clear();
  }

  #probe(node: Node, delay: number): void {
    if (node.closed || node.hostname !== undefined) return;
    const id = `celery-pidbox-probe-${randomUUID()}`;
    this.#probes.set(id, node);
    // A worker still starting ignores control requests: ask again, less often, until it answers.
    node.probeTimer = setTimeout(() => this.#probe(node, Math.min(PROBE_MAX_MS, delay * 2)), delay);
    node.probeTimer.unref();
    this.#hand(node, { type: 'control-request', id, command: 'ping', args: {}, reply: true });
  }

  #learn(node: Node, hostname: string): void {
    for (const [id, probed] of this.#probes) if (probed === node) this.#probes.delete(id);
    clearTimeout(node.probeTimer);
    if (node.closed || node.hostname !== undefined) return;
    node.hostname = hostname;
    void this.#listen(node);
  }

  /** Declare and consume the node's mailbox queue (again after a reconnect or a closed channel). */
  async #listen(node: Node): Promise<void> {
    const hostname = node.hostname;
    if (node.closed || hostname === undefined || node.channel !== undefined || node.listening) return;
    node.listening = true;
    let channel: Channel | undefined;
    try {
      await this.#exchanges.ensure(PIDBOX_EXCHANGE);
      const connection = await this.#consumer.get(this.#options.publishTimeout);
      channel = await connection.createChannel();
      const opened = channel;
      node.channel = opened;
      opened.on('error', (error: Error) => this.#options.onError(error, 'Celery mailbox channel closed by RabbitMQ'));
      opened.on('close', () => {
        if (node.channel !== opened) return;
        node.channel = undefined;
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
      if (node.channel === channel) node.channel = undefined;
      await channel?.close().catch(() => undefined);
      if (!node.closed && this.#consumer.current !== undefined) this.#retry(node);
    } finally {
      node.listening = false;
    }
  }

  #retry(node: Node): void {
    setTimeout(() => void this.#listen(node), this.#options.reconnectMaxDelay).unref();
  }

  #receive(node: Node, delivery: ConsumeMessage | null): void {
    if (delivery === null) {
      // RabbitMQ cancelled the consumer (the queue was deleted): declare it again.
      const channel = node.channel;
      node.channel = undefined;
      void channel?.close().catch(() => undefined);
      void this.#listen(node);
      return;
    }
    const hostname = node.hostname;
    const message = parseMailboxMessage(delivery.content);
    if (message === undefined || hostname === undefined || !addressedTo(message, hostname)) return;
    this.#dispatch(node, hostname, message);
  }

  #dispatch(node: Node, hostname: string, message: MailboxMessage): void {
    const replyTo = message.reply_to;
    const target: ReplyTarget | undefined =
      typeof replyTo?.exchange === 'string' && typeof replyTo.routing_key === 'string'
        ? { exchange: replyTo.exchange, routingKey: replyTo.routing_key, ticket: message.ticket ?? null }
        : undefined;
    const translation = translate(message);
    if (translation.kind === 'unsupported') {
      if (target !== undefined) {
        void this.#reply(target, { [hostname]: { error: `No such control command: ${message.method}` } });
      }
      return;
    }
    // A reply given here (revoke's) is sent at once; otherwise the worker's own reply is awaited.
    const awaitReply = target !== undefined && translation.reply === undefined;
    if (awaitReply) this.#sweep();
    for (const { command, args } of translation.requests) {
      const id = `celery-pidbox-${randomUUID()}`;
      if (awaitReply) this.#pending.set(id, { ...target, at: Date.now() });
      this.#hand(node, { type: 'control-request', id, command, args, reply: awaitReply });
    }
    if (target !== undefined && translation.reply !== undefined) {
      void this.#reply(target, { [hostname]: translation.reply });
    }
  }

  #hand(node: Node, request: ControlRequest): void {
    try {
      node.handler(request as unknown as Json);
    } catch (error) {
      this.#options.onError(coerceError(error), 'control handler threw');
    }
  }

  /** Publish a reply as kombu's `Mailbox._publish_reply`: transient JSON with `ticket` and `clock` headers. */
  async #reply(target: ReplyTarget, data: Record<string, Json>): Promise<void> {
    try {
      await this.#exchanges.ensure(replyExchange(target.exchange));
      await this.#publisher.send(
        [
          {
            exchange: target.exchange,
            routingKey: target.routingKey,
            content: Buffer.from(JSON.stringify(data)),
            options: {
              contentType: 'application/json',
              contentEncoding: 'utf-8',
              deliveryMode: 1,
              headers: { ticket: target.ticket, clock: ++this.#clock },
            },
          },
        ],
        'broadcast',
      );
    } catch (error) {
      this.#options.onError(coerceError(error), 'answer a Celery control request');
    }
  }

  #sweep(): void {
    const old = Date.now() - PENDING_TTL_MS;
    for (const [id, pending] of this.#pending) if (pending.at < old) this.#pending.delete(id);
  }

  async #detach(node: Node): Promise<void> {
    if (node.closed) return;
    node.closed = true;
    this.#nodes.delete(node);
    clearTimeout(node.probeTimer);
    for (const [id, probed] of this.#probes) if (probed === node) this.#probes.delete(id);
    const channel = node.channel;
    node.channel = undefined;
    // Closing cancels the consumer; the auto-delete mailbox queue goes with it.
    await channel?.close().catch(() => undefined);
  }
}
