import { CeleryEventEncoder, type Json } from '@celeriac/core';
import type { Publisher, PublishItem } from '../publisher.ts';
import { type CeleryExchanges, EVENT_EXCHANGE } from './exchanges.ts';

/**
 * Mirrors the event batches core broadcasts onto Celery's `celeryev` topic exchange as Celery's
 * `EventDispatcher` sends them (core's {@link CeleryEventEncoder} makes the messages): JSON routed
 * by the event type with dots (`task.succeeded`), header `hostname`, transient (delivery mode 1).
 */
export class CeleryEventMirror {
  readonly #publisher: Publisher;
  readonly #exchanges: CeleryExchanges;
  readonly #encoder = new CeleryEventEncoder();

  constructor(publisher: Publisher, exchanges: CeleryExchanges) {
    this.#publisher = publisher;
    this.#exchanges = exchanges;
  }

  async mirror(batch: Json): Promise<void> {
    const items: PublishItem[] = this.#encoder.encode(batch).map(({ body, routingKey, hostname }) => ({
      exchange: EVENT_EXCHANGE.name,
      routingKey,
      content: Buffer.from(JSON.stringify(body)),
      options: { contentType: 'application/json', contentEncoding: 'utf-8', deliveryMode: 1, headers: { hostname } },
    }));
    if (items.length === 0) return;
    await this.#exchanges.ensure(EVENT_EXCHANGE);
    await this.#publisher.send(items, 'broadcast');
  }
}
