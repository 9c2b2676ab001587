import { CELERY_EVENT_EXCHANGE, CELERY_PIDBOX_EXCHANGE } from '@celeriac/core';
import type { Options } from 'amqplib';
import type { ResolvedOptions } from '../options.ts';
import type { ConnectionKeeper } from '../reconnect.ts';

/** An exchange as Celery declares it; declared with other attributes, RabbitMQ refuses one of the two. */
export interface ExchangeSpec {
  readonly name: string;
  readonly type: 'direct' | 'fanout' | 'topic';
  readonly options: Options.AssertExchange;
}

/** `celeryev`: Celery's `event_exchange`, a durable topic exchange. */
export const EVENT_EXCHANGE: ExchangeSpec = {
  name: CELERY_EVENT_EXCHANGE,
  type: 'topic',
  options: { durable: true, autoDelete: false },
};

/** `celery.pidbox`: the fanout exchange of Celery's remote-control mailbox (kombu `Mailbox('celery', type='fanout')`). */
export const PIDBOX_EXCHANGE: ExchangeSpec = {
  name: CELERY_PIDBOX_EXCHANGE,
  type: 'fanout',
  options: { durable: false, autoDelete: false },
};

/** The exchange a control reply goes to (`reply.celery.pidbox`), as the asking client declared it. */
export function replyExchange(name: string): ExchangeSpec {
  return { name, type: 'direct', options: { durable: false, autoDelete: false } };
}

/**
 * Declares Celery's exchanges once per connection (the non-durable ones vanish with a RabbitMQ
 * restart), each on a short-lived channel of its own, so a refusal (an exchange declared
 * otherwise) closes that channel and rejects the caller, never the publisher's channel.
 */
export class CeleryExchanges {
  readonly #keeper: ConnectionKeeper;
  readonly #options: ResolvedOptions;
  #declared = new Map<string, Promise<void>>();

  constructor(keeper: ConnectionKeeper, options: ResolvedOptions) {
    this.#keeper = keeper;
    this.#options = options;
    keeper.onConnected(() => {
      this.#declared = new Map();
    });
  }

  ensure(spec: ExchangeSpec): Promise<void> {
    let declared = this.#declared.get(spec.name);
    if (declared === undefined) {
      const cache = this.#declared;
      declared = this.#declare(spec);
      cache.set(spec.name, declared);
      declared.catch(() => {
        if (cache.get(spec.name) === declared) cache.delete(spec.name);
      });
    }
    return declared;
  }

  async #declare(spec: ExchangeSpec): Promise<void> {
    const connection = await this.#keeper.get(this.#options.publishTimeout);
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    try {
      await channel.assertExchange(spec.name, spec.type, spec.options);
    } finally {
      await channel.close().catch(() => undefined);
    }
  }
}
