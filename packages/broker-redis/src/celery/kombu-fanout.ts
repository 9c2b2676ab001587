import { randomUUID } from 'node:crypto';
import type { Json } from '@celeriac/core';

/**
 * A transient kombu message as kombu's Redis transport writes one for a fanout exchange or a reply
 * (delivery mode 1, priority 0, JSON body base64-encoded): Celery events and pidbox replies.
 */
export function kombuTransientMessage(
  body: Json,
  headers: Record<string, Json>,
  delivery: { exchange: string; routingKey: string },
): string {
  return JSON.stringify({
    body: Buffer.from(JSON.stringify(body), 'utf8').toString('base64'),
    'content-encoding': 'utf-8',
    'content-type': 'application/json',
    headers,
    properties: {
      delivery_mode: 1,
      delivery_info: { exchange: delivery.exchange, routing_key: delivery.routingKey },
      priority: 0,
      body_encoding: 'base64',
      delivery_tag: randomUUID(),
    },
  });
}

/** The body of a kombu message as text (decoded when base64), or undefined when it has none. */
export function kombuBodyText(text: string): string | undefined {
  try {
    const message = JSON.parse(text) as { body?: unknown; properties?: { body_encoding?: unknown } };
    if (typeof message.body !== 'string') return undefined;
    return message.properties?.body_encoding === 'base64'
      ? Buffer.from(message.body, 'base64').toString('utf8')
      : message.body;
  } catch {
    return undefined;
  }
}

/** kombu message headers, or {} when it has none. */
export function kombuHeaders(text: string): Record<string, unknown> {
  try {
    const headers = (JSON.parse(text) as { headers?: unknown }).headers;
    return typeof headers === 'object' && headers !== null ? (headers as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
