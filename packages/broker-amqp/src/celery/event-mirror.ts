import { type ClusterEvent, celeryEventRoutingKey, type Json, toCeleryEvent } from '@celeriac/core';
import type { Publisher, PublishItem } from '../publisher.ts';
import { type CeleryExchanges, EVENT_EXCHANGE } from './exchanges.ts';

/**
 * Mirrors the event batches core broadcasts (`{ events }` on EVENTS_CHANNEL) onto Celery's
 * `celeryev` topic exchange as Celery's `EventDispatcher` sends them: one JSON message per event,
 * routed by its type with dots (`task.succeeded`), header `hostname`, transient (delivery mode 1),
 * with a Lamport `clock` that counts this broker's events. `celery events`, Flower and
 * `app.events.Receiver` then see Celeriac workers and producers.
 */
export class CeleryEventMirror {
  readonly #publisher: Publisher;
  readonly #exchanges: CeleryExchanges;
  #clock = 0;

  constructor(publisher: Publisher, exchanges: CeleryExchanges) {
    this.#publisher = publisher;
    this.#exchanges = exchanges;
  }

  async mirror(batch: Json): Promise<void> {
    const events = (batch as { events?: unknown } | null)?.events;
    if (!Array.isArray(events)) return;
    const items: PublishItem[] = [];
    for (const event of events as ClusterEvent[]) {
      const body = toCeleryEvent(event, { pid: process.pid, clock: ++this.#clock });
      if (body === null) continue;
      items.push({
        exchange: EVENT_EXCHANGE.name,
        routingKey: celeryEventRoutingKey(event.type),
        content: Buffer.from(JSON.stringify(body)),
        options: {
          contentType: 'application/json',
          contentEncoding: 'utf-8',
          deliveryMode: 1,
          headers: { hostname: event.hostname },
        },
      });
    }
    if (items.length === 0) return;
    await this.#exchanges.ensure(EVENT_EXCHANGE);
    await this.#publisher.send(items, 'broadcast');
  }
}
