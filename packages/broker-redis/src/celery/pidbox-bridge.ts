import {
  CELERY_PIDBOX_EXCHANGE,
  CeleryMailbox,
  type CeleryMailboxReply,
  type Json,
  parseCeleryMailboxMessage,
} from '@celeriac/core';
import type { Redis } from 'ioredis';
import { kombuBodyText, kombuHeaders, kombuTransientMessage } from './kombu-fanout.ts';
import { KOMBU_SEP, type KombuKeys } from './kombu-keys.ts';

/** What the bridge needs from its broker. */
export interface PidboxHost {
  readonly keys: KombuKeys;
  client(): Redis;
  subscribe(channel: string, listener: (message: string) => void): Promise<() => Promise<void>>;
  report(error: Error, source: string): void;
}

/**
 * Celery's remote control (`celery inspect ping`, `control revoke`, …) for the Celeriac workers of
 * this process, over kombu's Redis transport. Core's {@link CeleryMailbox} does the mapping
 * (addressing by hostname, methods, replies); here a mailbox message is heard once per process,
 * PUBLISHed on `/{db}.celery.pidbox`, and a reply is LPUSHed as kombu's `Node.reply` does:
 * `{ hostname: result }` to the queues bound to the `reply_to` exchange and routing key, with the
 * `ticket` header the client collects replies by.
 */
export class PidboxBridge {
  readonly #host: PidboxHost;
  readonly #mailbox: CeleryMailbox;
  #unsubscribe: Promise<() => Promise<void>> | undefined;

  constructor(host: PidboxHost) {
    this.#host = host;
    this.#mailbox = new CeleryMailbox({
      reply: (reply) => this.#reply(reply),
      report: (error, source) => host.report(error, source),
    });
  }

  /** Bridge a CONTROL_CHANNEL listener; resolves once the mailbox is heard. */
  async attach(handler: (message: Json) => void): Promise<() => Promise<void>> {
    const node = this.#mailbox.attach(handler);
    this.#unsubscribe ??= this.#host.subscribe(this.#host.keys.fanout(CELERY_PIDBOX_EXCHANGE), (text) =>
      this.#receive(text),
    );
    try {
      await this.#unsubscribe;
    } catch (error) {
      this.#unsubscribe = undefined;
      this.#mailbox.detach(node);
      throw error;
    }
    return async () => {
      this.#mailbox.detach(node);
      if (this.#mailbox.size > 0) return;
      await this.#stopListening();
    };
  }

  /** True when `message` (broadcast on REPLY_CHANNEL) answers a probe or a Celery request: it goes no further. */
  takeReply(message: Json): boolean {
    return this.#mailbox.takeReply(message);
  }

  async close(): Promise<void> {
    this.#mailbox.close();
    await this.#stopListening();
  }

  async #stopListening(): Promise<void> {
    const unsubscribe = this.#unsubscribe;
    this.#unsubscribe = undefined;
    await (await unsubscribe?.catch(() => undefined))?.();
  }

  #receive(text: string): void {
    // kombu's Redis fanout has no TTL of its own: a mailbox message carries its expiry as a header.
    const expires = kombuHeaders(text).expires;
    if (typeof expires === 'number' && expires * 1000 < Date.now()) return;
    const body = kombuBodyText(text);
    const message = body === undefined ? undefined : parseCeleryMailboxMessage(body);
    if (message !== undefined) this.#mailbox.deliver(message);
  }

  /** LPUSH the reply to every queue kombu's binding table routes `reply_to` to (`_lookup`, direct). */
  async #reply(reply: CeleryMailboxReply): Promise<void> {
    const client = this.#host.client();
    const { keys } = this.#host;
    const members = await client.smembers(keys.binding(reply.exchange));
    const queues = members.flatMap((member) => {
      const [routingKey, , queue] = member.split(KOMBU_SEP);
      return routingKey === reply.routingKey && queue !== undefined ? [queue] : [];
    });
    const message = kombuTransientMessage(reply.body, reply.headers, {
      exchange: reply.exchange,
      routingKey: reply.routingKey,
    });
    await Promise.all(queues.map((queue) => client.lpush(keys.globalPrefix + queue, message)));
  }
}
