import {
  type DeadLetter,
  decodeEnvelope,
  fromCeleryWire,
  type OutgoingMessage,
  type TaskEnvelope,
  toCeleryWire,
} from '@celeriac/core';
import type { Message, MessageProperties, Options } from 'amqplib';
import type { PublishItem } from '../publisher.ts';
import { DEAD_AT_HEADER, ETA_HEADER, QUEUE_HEADER, REASON_HEADER, type Topology } from '../topology.ts';

// RabbitMQ's dead-lettering bookkeeping (our delay buckets dead-letter) and our own headers: never
// part of a task, so not shown to Celery's request nor carried on.
const TRANSPORT_HEADER = /^x-(?:death$|first-death-|last-death-|celeriac-)/;

/** `headers` without RabbitMQ's and Celeriac's transport headers. */
export function taskHeaders(headers: MessageProperties['headers']): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(headers ?? {})) if (!TRANSPORT_HEADER.test(key)) kept[key] = value;
  return kept;
}

/** The task id a Celery message names (its `id` header), when it names one. */
export function taskIdOf(message: Message): string | undefined {
  const id = message.properties.headers?.id;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/**
 * A Celeriac message as Celery 5.2's `send_task_message` publishes it over py-amqp: to the default
 * exchange with the queue's name as routing key; properties `correlation_id`, `content_type`
 * `application/json`, `content_encoding` `utf-8`, `delivery_mode` 2, `priority`; the protocol-2
 * headers table; the body `[args, kwargs, embed]`; and, when the task expires, the AMQP
 * `expiration` Celery sets (RabbitMQ then drops it unseen once expired). An eta goes in the header
 * and the message goes out at once: a Celery worker holds it until due, a Celeriac one parks it.
 */
export function celeryTaskItem(topology: Topology, message: OutgoingMessage, now: number): PublishItem {
  const envelope = (message.payload as TaskEnvelope | undefined) ?? decodeEnvelope(message.body);
  const wire = toCeleryWire(envelope);
  const { properties } = wire;
  const options: Options.Publish = {
    contentType: properties.content_type,
    contentEncoding: properties.content_encoding,
    deliveryMode: properties.delivery_mode,
    priority: properties.priority,
    correlationId: properties.correlation_id,
    // Celery sets none; the publisher matches returned (unroutable) messages by it.
    messageId: envelope.headers.id,
    mandatory: true,
    headers: wire.headers,
  };
  if (properties.reply_to !== '') options.replyTo = properties.reply_to;
  const expires = envelope.headers.expires;
  if (expires !== null) options.expiration = String(Math.max(0, Math.trunc(Date.parse(expires) - now)));
  return {
    exchange: '',
    routingKey: topology.queue(message.queue),
    content: Buffer.from(wire.body),
    options,
    queue: message.queue,
  };
}

/**
 * The same message published again (parked, set aside, put back): its body, properties and task
 * headers as they came, persistent, with `extraHeaders`. Without `expiration`: a parked or dead
 * letter must not vanish by RabbitMQ's TTL (an expired task is revoked by whoever consumes it).
 */
function republished(message: Message, id: string, extraHeaders: Record<string, unknown>): Options.Publish {
  const { properties } = message;
  const options: Options.Publish = {
    persistent: true,
    mandatory: true,
    messageId: id,
    headers: { ...taskHeaders(properties.headers), ...extraHeaders },
  };
  if (properties.contentType !== undefined) options.contentType = properties.contentType;
  if (properties.contentEncoding !== undefined) options.contentEncoding = properties.contentEncoding;
  if (properties.priority !== undefined) options.priority = properties.priority;
  if (properties.correlationId !== undefined) options.correlationId = properties.correlationId;
  if (properties.replyTo !== undefined) options.replyTo = properties.replyTo;
  return options;
}

/** A Celery message whose eta is ahead, into `queue`'s delay buckets until `eta` (epoch ms). */
export function parkItem(topology: Topology, queue: string, message: Message, eta: number): PublishItem {
  const id = message.properties.messageId ?? taskIdOf(message) ?? '';
  return {
    exchange: '',
    routingKey: topology.queue(queue),
    content: message.content,
    options: republished(message, id, { [ETA_HEADER]: eta }),
    queue,
    eta,
  };
}

/** A message set aside in `queue`'s dead-letter queue, as it came, with the reason and time. */
export function deadLetterItem(
  topology: Topology,
  queue: string,
  id: string,
  message: Message,
  reason: string,
): PublishItem {
  return {
    exchange: '',
    routingKey: topology.deadLetterQueue(queue),
    content: message.content,
    options: republished(message, id, {
      [REASON_HEADER]: reason,
      [DEAD_AT_HEADER]: Date.now(),
      [QUEUE_HEADER]: queue,
    }),
    queue,
  };
}

/** A dead letter put back on its queue as the Celery message it was. */
export function requeueItem(topology: Topology, queue: string, message: Message): PublishItem {
  const id = message.properties.messageId ?? taskIdOf(message) ?? '';
  return {
    exchange: '',
    routingKey: topology.queue(queue),
    content: message.content,
    options: republished(message, id, {}),
    queue,
  };
}

/**
 * A received Celery message as Celeriac's envelope; throws with a reason fit for a dead letter
 * (another serializer, compression, protocol 1, a body that is not `[args, kwargs, embed]` …).
 */
export function readCeleryTask(queue: string, message: Message): TaskEnvelope {
  const { contentType, contentEncoding, headers, priority, correlationId } = message.properties;
  if (contentType !== undefined && contentType !== 'application/json') {
    throw new Error(
      `Celery message has content type ${String(contentType)}: Celeriac reads Celery's json serializer only (task_serializer = 'json')`,
    );
  }
  if (contentEncoding !== undefined && !/^utf-?8$/i.test(String(contentEncoding))) {
    throw new Error(`Celery message has content encoding ${String(contentEncoding)}; expected utf-8`);
  }
  if (headers?.compression !== undefined) {
    throw new Error(`Celery message is compressed (${String(headers.compression)}); send it without compression`);
  }
  return fromCeleryWire({
    headers: headers === undefined ? undefined : taskHeaders(headers),
    properties: { correlation_id: correlationId, priority },
    body: message.content.toString('utf8'),
    queue,
    ...(typeof priority === 'number' ? { priority } : {}),
  });
}

/**
 * A dead letter of a Celery queue: the body is Celeriac's envelope when the message reads as a
 * task (so the monitor shows its name and arguments), else its headers, properties and text.
 */
export function readCeleryDeadLetter(queue: string, message: Message): DeadLetter {
  const { headers, messageId } = message.properties;
  let body: string;
  try {
    body = JSON.stringify(readCeleryTask(queue, message));
  } catch {
    body = JSON.stringify({
      headers: taskHeaders(headers),
      properties: { content_type: message.properties.contentType ?? null },
      body: message.content.toString('utf8'),
    });
  }
  const reason = headers?.[REASON_HEADER];
  const at = headers?.[DEAD_AT_HEADER];
  return {
    id: typeof messageId === 'string' ? messageId : (taskIdOf(message) ?? ''),
    queue,
    body,
    reason: typeof reason === 'string' ? reason : Buffer.isBuffer(reason) ? reason.toString('utf8') : 'unknown',
    deadLetteredAt: typeof at === 'number' ? at : 0,
  };
}
