import {
  CELERY_EVENT_EXCHANGE,
  type ClusterEvent,
  celeryEventRoutingKey,
  type Json,
  toCeleryEvent,
} from '@celeriac/core';
import type { Redis } from 'ioredis';
import { kombuTransientMessage } from './kombu-fanout.ts';
import type { KombuKeys } from './kombu-keys.ts';

/**
 * Mirrors the event batches core broadcasts (`{ events }` on EVENTS_CHANNEL) onto Celery's
 * `celeryev` exchange as Celery's `EventDispatcher` sends them over Redis: Celery makes the event
 * exchange a fanout there (`celery.events.event.get_exchange`), which kombu's Redis transport
 * PUBLISHes on `/{db}.celeryev/<routing key>` (`task.succeeded`), the channel pattern
 * `celery events`, Flower and `app.events.Receiver` subscribe to. One message per event, header
 * `hostname`, with a Lamport `clock` counting this broker's events.
 */
export class CeleryEventMirror {
  readonly #keys: KombuKeys;
  #clock = 0;

  constructor(keys: KombuKeys) {
    this.#keys = keys;
  }

  async mirror(client: Redis, batch: Json): Promise<void> {
    const events = (batch as { events?: unknown } | null)?.events;
    if (!Array.isArray(events)) return;
    const pipeline = client.pipeline();
    for (const event of events as ClusterEvent[]) {
      const body = toCeleryEvent(event, { pid: process.pid, clock: ++this.#clock });
      if (body === null) continue;
      const routingKey = celeryEventRoutingKey(event.type);
      const message = kombuTransientMessage(
        body,
        { hostname: event.hostname },
        { exchange: CELERY_EVENT_EXCHANGE, routingKey },
      );
      pipeline.publish(this.#keys.fanout(CELERY_EVENT_EXCHANGE, routingKey), message);
    }
    if (pipeline.length > 0) await pipeline.exec();
  }
}
