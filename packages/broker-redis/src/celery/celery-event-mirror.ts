import { CELERY_EVENT_EXCHANGE, CeleryEventEncoder, type Json } from '@celeriac/core';
import type { Redis } from 'ioredis';
import { kombuTransientMessage } from './kombu-fanout.ts';
import type { KombuKeys } from './kombu-keys.ts';

/**
 * Mirrors the event batches core broadcasts onto Celery's `celeryev` exchange as Celery's
 * `EventDispatcher` sends them over Redis (core's {@link CeleryEventEncoder} makes the messages):
 * Celery makes the event exchange a fanout there (`celery.events.event.get_exchange`), which
 * kombu's Redis transport PUBLISHes on `/{db}.celeryev/<routing key>` (`task.succeeded`), the
 * channel pattern `celery events`, Flower and `app.events.Receiver` subscribe to.
 */
export class CeleryEventMirror {
  readonly #keys: KombuKeys;
  readonly #encoder = new CeleryEventEncoder();

  constructor(keys: KombuKeys) {
    this.#keys = keys;
  }

  async mirror(client: Redis, batch: Json): Promise<void> {
    const messages = this.#encoder.encode(batch);
    if (messages.length === 0) return;
    const pipeline = client.pipeline();
    for (const { body, routingKey, hostname } of messages) {
      const message = kombuTransientMessage(body, { hostname }, { exchange: CELERY_EVENT_EXCHANGE, routingKey });
      pipeline.publish(this.#keys.fanout(CELERY_EVENT_EXCHANGE, routingKey), message);
    }
    await pipeline.exec();
  }
}
