import { loadavg } from 'node:os';
import { coreVersion } from '../cli/banner.ts';
import type { ClusterEvent } from '../events/event-map.ts';
import type { Json } from '../json/json.ts';
import { errorToCelery } from './celery-results.ts';

/** Celery's event exchange (topic): routing key is the event type with dots, e.g. `task.succeeded`. */
export const CELERY_EVENT_EXCHANGE = 'celeryev';

/** `task-succeeded` → `task.succeeded`, the routing key Celery's event receivers bind to (every dash, as Python's `str.replace`). */
export function celeryEventRoutingKey(type: string): string {
  return type.replaceAll('-', '.');
}

/** Python's `repr()` of a string: single quotes unless the text holds one and no double quote. */
function pythonRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const escaped = text
    .replaceAll('\\', '\\\\')
    .replaceAll(quote, `\\${quote}`)
    .replaceAll('\n', '\\n')
    .replaceAll('\r', '\\r')
    .replaceAll('\t', '\\t');
  return `${quote}${escaped}${quote}`;
}

/**
 * A Celeriac cluster event → the dict Celery's `EventDispatcher` sends, so `celery events`, Flower
 * and `app.events.Receiver` read Celeriac workers. `clock` is the sender's Lamport clock. Events
 * Celery has no counterpart for (`task-progress`) map to null.
 */
export function toCeleryEvent(
  event: ClusterEvent,
  sender: { pid: number; clock: number },
): Record<string, Json> | null {
  const base = {
    type: event.type,
    hostname: event.hostname,
    timestamp: event.timestamp / 1000,
    // Python's `celery.utils.time.utcoffset()`: hours west of UTC, which receivers subtract again.
    utcoffset: Math.floor(new Date(event.timestamp).getTimezoneOffset() / 60),
    pid: sender.pid,
    clock: sender.clock,
  };
  switch (event.type) {
    case 'task-sent':
      return {
        ...base,
        uuid: event.taskId,
        name: event.name,
        args: JSON.stringify(event.args),
        kwargs: '{}',
        retries: event.retries,
        eta: event.eta,
        expires: event.expires,
        queue: event.queue,
        exchange: '',
        routing_key: event.queue,
        root_id: event.rootId,
        parent_id: event.parentId,
      };
    case 'task-received':
      return { ...base, uuid: event.taskId, name: event.name, retries: event.retries };
    case 'task-started':
      return { ...base, uuid: event.taskId };
    case 'task-succeeded':
      return { ...base, uuid: event.taskId, result: JSON.stringify(event.result), runtime: event.runtime / 1000 };
    case 'task-failed':
    case 'task-retried':
      return {
        ...base,
        uuid: event.taskId,
        // What Celery sends: `repr(exc)`, e.g. ValueError('boom'), under the name the result has.
        exception: `${errorToCelery(event.error).exc_type}(${pythonRepr(event.error.message)})`,
        traceback: event.error.stack ?? '',
      };
    case 'task-revoked':
      return { ...base, uuid: event.taskId, terminated: event.terminated, signum: null, expired: event.expired };
    case 'task-rejected':
      return { ...base, uuid: event.taskId, requeue: false };
    case 'task-progress':
      return null;
    case 'worker-online':
    case 'worker-heartbeat':
    case 'worker-offline':
      return {
        ...base,
        pid: event.pid,
        freq: event.freq,
        active: event.active,
        processed: event.processed,
        loadavg: loadavg().map((load) => Math.round(load * 100) / 100),
        sw_ident: 'celeriac',
        sw_ver: coreVersion(),
        sw_sys: process.platform,
      };
  }
}

/** One Celery event as a transport sends it: the body, its routing key, and the `hostname` header. */
export interface CeleryEventMessage {
  body: Record<string, Json>;
  routingKey: string;
  hostname: string;
}

/**
 * Turns the event batches core broadcasts (`{ events }` on EVENTS_CHANNEL) into the messages
 * Celery's `EventDispatcher` sends: one per event Celery has a counterpart for, each numbered by a
 * Lamport `clock` that counts this sender's events. A broker in Celery mode mirrors them onto
 * `celeryev`, so `celery events`, Flower and `app.events.Receiver` see Celeriac workers.
 */
export class CeleryEventEncoder {
  #clock = 0;

  encode(batch: Json): CeleryEventMessage[] {
    const events = (batch as { events?: unknown } | null)?.events;
    if (!Array.isArray(events)) return [];
    const messages: CeleryEventMessage[] = [];
    for (const event of events as ClusterEvent[]) {
      const body = toCeleryEvent(event, { pid: process.pid, clock: ++this.#clock });
      if (body !== null)
        messages.push({ body, routingKey: celeryEventRoutingKey(event.type), hostname: event.hostname });
    }
    return messages;
  }
}
