import { randomUUID } from 'node:crypto';
import { type ControlCommand, type ControlReply, type ControlRequest, coerceError, type Json } from '@celeriac/core';
import type { Redis } from 'ioredis';
import { kombuBody, kombuHeaders, kombuTransientMessage } from './kombu-fanout.ts';
import { KOMBU_SEP, type KombuKeys } from './kombu-keys.ts';

/** Celery's mailbox exchange (kombu `Mailbox('celery', type='fanout')`). */
const PIDBOX_EXCHANGE = 'celery.pidbox';
/** Celery control methods Celeriac workers answer (their replies are Celeriac's shapes but for ping). */
const FORWARDED: ReadonlySet<string> = new Set<ControlCommand>([
  'ping',
  'stats',
  'active',
  'reserved',
  'scheduled',
  'registered',
]);
/** A request no worker answered is forgotten after this long. */
const PENDING_TTL_MS = 60_000;

/** A local listener of core's CONTROL_CHANNEL: one worker of this process. */
type ControlHandler = (message: Json) => void;

interface MailboxMessage {
  method?: unknown;
  destination?: unknown;
  reply_to?: { exchange?: unknown; routing_key?: unknown } | null;
  ticket?: unknown;
}

interface Pending {
  readonly exchange: string;
  readonly routingKey: string;
  readonly ticket: Json;
  readonly destination: readonly string[] | undefined;
  readonly at: number;
}

/** What the bridge needs from its broker. */
export interface PidboxHost {
  readonly keys: KombuKeys;
  client(): Redis;
  subscribe(channel: string, listener: (message: string) => void): Promise<() => Promise<void>>;
  report(error: Error, source: string): void;
}

/**
 * Celery's remote control (`celery inspect ping`, `inspect stats`, …) for the Celeriac workers of
 * this process, over kombu's Redis transport: a mailbox message is PUBLISHed on
 * `/{db}.celery.pidbox`; each worker of this process (a CONTROL_CHANNEL listener) gets it as a core
 * control request, and the reply core broadcasts on REPLY_CHANNEL is taken here and LPUSHed as
 * kombu's `Node.reply` does: `{ hostname: result }` to the queue bound to the `reply_to` exchange
 * and routing key, with the `ticket` header the client collects replies by. A `destination` is
 * applied to the replies (the worker's hostname is only known then).
 */
export class PidboxBridge {
  readonly #host: PidboxHost;
  readonly #handlers = new Set<ControlHandler>();
  readonly #pending = new Map<string, Pending>();
  #unsubscribe: Promise<() => Promise<void>> | undefined;
  #clock = 0;

  constructor(host: PidboxHost) {
    this.#host = host;
  }

  /** Bridge a CONTROL_CHANNEL listener; resolves once the mailbox is heard. */
  async attach(handler: ControlHandler): Promise<() => Promise<void>> {
    this.#handlers.add(handler);
    this.#unsubscribe ??= this.#host.subscribe(this.#host.keys.fanout(PIDBOX_EXCHANGE), (text) => this.#receive(text));
    try {
      await this.#unsubscribe;
    } catch (error) {
      this.#unsubscribe = undefined;
      this.#handlers.delete(handler);
      throw error;
    }
    return async () => {
      this.#handlers.delete(handler);
      if (this.#handlers.size > 0) return;
      const unsubscribe = this.#unsubscribe;
      this.#unsubscribe = undefined;
      await (await unsubscribe?.catch(() => undefined))?.();
    };
  }

  /** True when `message` (broadcast on REPLY_CHANNEL) answers a Celery request: it goes no further. */
  takeReply(message: Json): boolean {
    const reply = message as unknown as ControlReply | null;
    if (reply?.type !== 'control-reply') return false;
    const pending = this.#pending.get(reply.requestId);
    if (pending === undefined) return false;
    this.#pending.delete(reply.requestId);
    if (pending.destination === undefined || pending.destination.includes(reply.hostname)) {
      void this.#reply(pending, { [reply.hostname]: reply.result });
    }
    return true;
  }

  async close(): Promise<void> {
    this.#handlers.clear();
    this.#pending.clear();
    const unsubscribe = this.#unsubscribe;
    this.#unsubscribe = undefined;
    await (await unsubscribe?.catch(() => undefined))?.();
  }

  #receive(text: string): void {
    const message = kombuBody(text) as MailboxMessage | undefined;
    const expires = kombuHeaders(text).expires;
    if (typeof message?.method !== 'string' || !FORWARDED.has(message.method)) return;
    if (typeof expires === 'number' && expires * 1000 < Date.now()) return;
    const replyTo = message.reply_to;
    if (typeof replyTo?.exchange !== 'string' || typeof replyTo.routing_key !== 'string') return;
    const destination =
      Array.isArray(message.destination) && message.destination.length > 0
        ? message.destination.filter((name): name is string => typeof name === 'string')
        : undefined;
    this.#sweep();
    for (const handler of this.#handlers) {
      const id = `celery-pidbox-${randomUUID()}`;
      this.#pending.set(id, {
        exchange: replyTo.exchange,
        routingKey: replyTo.routing_key,
        ticket: typeof message.ticket === 'string' ? message.ticket : null,
        destination,
        at: Date.now(),
      });
      const request: ControlRequest = {
        type: 'control-request',
        id,
        command: message.method as ControlCommand,
        args: {},
        reply: true,
      };
      try {
        handler(request as unknown as Json);
      } catch (error) {
        this.#host.report(coerceError(error), 'control handler threw');
      }
    }
  }

  /** LPUSH the reply to every queue kombu's binding table routes `reply_to` to (`_lookup`, direct). */
  async #reply(target: Pending, data: Record<string, Json>): Promise<void> {
    try {
      const client = this.#host.client();
      const { keys } = this.#host;
      const members = await client.smembers(keys.binding(target.exchange));
      const queues = members.flatMap((member) => {
        const [routingKey, , queue] = member.split(KOMBU_SEP);
        return routingKey === target.routingKey && queue !== undefined ? [queue] : [];
      });
      const message = kombuTransientMessage(
        data,
        { ticket: target.ticket, clock: ++this.#clock },
        { exchange: target.exchange, routingKey: target.routingKey },
      );
      await Promise.all(queues.map((queue) => client.lpush(keys.globalPrefix + queue, message)));
    } catch (error) {
      this.#host.report(coerceError(error), 'answer a Celery control request');
    }
  }

  #sweep(): void {
    const old = Date.now() - PENDING_TTL_MS;
    for (const [id, pending] of this.#pending) if (pending.at < old) this.#pending.delete(id);
  }
}
