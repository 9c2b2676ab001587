import { randomUUID } from 'node:crypto';
import { decodeEnvelope, fromCeleryWire, type Json, type OutgoingMessage, toCeleryWire } from '@celeriac/core';

/**
 * Celeriac's priorities run 0–9 with 9 first; kombu 5.2's Redis transport files priority n under
 * list step `max(step ≤ n)` and BRPOPs the steps in ascending order, so kombu priority 0 is served
 * first. Hence kombu priority = 9 − Celeriac priority, both ways: a Celery client's default
 * (kombu 0, served first by Celery workers) reads as Celeriac 9, and Celeriac's default 0 is
 * written as kombu 9 (served after Celery's default).
 */
export function toKombuPriority(priority: number): number {
  return 9 - Math.max(0, Math.min(9, Math.trunc(priority)));
}

/** See {@link toKombuPriority}; kombu's default (0) when the message has none. */
export function fromKombuPriority(priority: unknown): number {
  const kombu = typeof priority === 'number' && Number.isFinite(priority) ? Math.trunc(priority) : 0;
  return 9 - Math.max(0, Math.min(9, kombu));
}

/**
 * Content type of a message whose body is not a task envelope (the conformance suite's bodies;
 * core never publishes one). Its body travels untouched; a Celery worker rejects it as it would any
 * content type it does not accept.
 */
export const OPAQUE_CONTENT_TYPE = 'application/x-celeriac-opaque';

/** A kombu message as the Redis transport stores it (kombu's `prepare_message` after `basic_publish`). */
export interface KombuMessage {
  body: string;
  'content-encoding': string;
  'content-type': string;
  headers: Record<string, Json>;
  properties: {
    correlation_id: string;
    reply_to: string;
    delivery_mode: number;
    delivery_info: { exchange: string; routing_key: string; redelivered?: boolean };
    priority: number;
    body_encoding: string;
    delivery_tag: string;
  };
}

/** Python's `datetime.isoformat()` of an epoch-ms time (Celery reads `.123` as microseconds). */
function celeryTime(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 23)}000+00:00`;
}

/**
 * An outgoing Celeriac message → the JSON text kombu's Redis transport stores for it: a task
 * envelope becomes Celery protocol 2 (`toCeleryWire`), published as Celery does through the
 * anonymous exchange with the queue as routing key, body base64-encoded, a fresh delivery tag.
 */
export function encodeKombuMessage(message: OutgoingMessage): { tag: string; text: string; kombuPriority: number } {
  const tag = randomUUID();
  const kombuPriority = toKombuPriority(message.priority);
  let headers: Record<string, Json>;
  let body: string;
  let contentType: string;
  let replyTo = '';
  try {
    const wire = toCeleryWire(decodeEnvelope(message.body));
    headers = wire.headers;
    body = wire.body;
    contentType = wire.properties.content_type;
    replyTo = wire.properties.reply_to;
  } catch {
    headers = message.eta === undefined ? {} : { eta: celeryTime(message.eta) };
    body = message.body;
    contentType = OPAQUE_CONTENT_TYPE;
  }
  const kombu: KombuMessage = {
    body: Buffer.from(body, 'utf8').toString('base64'),
    'content-encoding': 'utf-8',
    'content-type': contentType,
    headers,
    properties: {
      correlation_id: message.id,
      reply_to: replyTo,
      delivery_mode: 2,
      delivery_info: { exchange: '', routing_key: message.queue },
      priority: kombuPriority,
      body_encoding: 'base64',
      delivery_tag: tag,
    },
  };
  return { tag, text: JSON.stringify(kombu), kombuPriority };
}

/** What a consumer hands out for a kombu message, or why it cannot. */
export type DecodedKombuMessage =
  | {
      ok: true;
      /** kombu's delivery tag. */
      tag: string;
      id: string;
      /** Celeriac's envelope JSON (or an opaque message's own body). */
      body: string;
      priority: number;
      redelivered: boolean;
    }
  | { ok: false; tag: string; id: string; reason: string };

/**
 * A kombu message taken from `queue` (JSON text the fetch script already checked is an object with
 * a delivery tag) → a delivery's fields: a Celery task message is mapped to Celeriac's envelope
 * with `fromCeleryWire`; anything Celeriac cannot run gets a reason for the dead letters.
 */
export function decodeKombuMessage(text: string, queue: string): DecodedKombuMessage {
  const message = JSON.parse(text) as Partial<KombuMessage>;
  const properties = (message.properties ?? {}) as Partial<KombuMessage['properties']>;
  const headers = isObject(message.headers) ? message.headers : {};
  const tag = String(properties.delivery_tag);
  const fallbackId =
    typeof properties.correlation_id === 'string' && properties.correlation_id !== '' ? properties.correlation_id : tag;
  const id = typeof headers.id === 'string' && headers.id !== '' ? headers.id : fallbackId;
  const priority = fromKombuPriority(properties.priority);
  const redelivered = headers.redelivered === true || properties.delivery_info?.redelivered === true;
  const contentType = message['content-type'];
  if (typeof message.body !== 'string') return { ok: false, tag, id, reason: 'kombu message has no body string' };
  let body: string;
  if (properties.body_encoding === 'base64') body = Buffer.from(message.body, 'base64').toString('utf8');
  else body = message.body;
  if (contentType === OPAQUE_CONTENT_TYPE) return { ok: true, tag, id: fallbackId, body, priority, redelivered };
  if (contentType !== 'application/json') {
    return {
      ok: false,
      tag,
      id,
      reason: `content type ${JSON.stringify(contentType ?? null)} is not supported: Celery must send JSON (task_serializer='json')`,
    };
  }
  if (typeof headers.compression === 'string') {
    return { ok: false, tag, id, reason: `compressed messages (${headers.compression}) are not supported` };
  }
  // kombu's restore mark, not a header of the task: a retry must not carry it on.
  const { redelivered: _mark, ...taskHeaders } = headers;
  try {
    const envelope = fromCeleryWire({ headers: taskHeaders, properties, body, queue, priority });
    return { ok: true, tag, id: envelope.headers.id, body: JSON.stringify(envelope), priority, redelivered };
  } catch (error) {
    return { ok: false, tag, id, reason: `undecodable Celery message: ${(error as Error).message}` };
  }
}

/** The same message, marked redelivered as kombu's restore marks it (headers and delivery_info). */
export function markRedelivered(text: string): string {
  return JSON.stringify(markedRedelivered(JSON.parse(text)));
}

/** `message` (a parsed kombu message, changed in place) marked redelivered. */
export function markedRedelivered(message: unknown): unknown {
  if (!isObject(message)) return message;
  if (isObject(message.headers)) (message.headers as Record<string, unknown>).redelivered = true;
  const properties = message.properties as Record<string, unknown> | undefined;
  if (isObject(properties) && isObject(properties.delivery_info)) {
    (properties.delivery_info as Record<string, unknown>).redelivered = true;
  }
  return message;
}

function isObject(value: unknown): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
