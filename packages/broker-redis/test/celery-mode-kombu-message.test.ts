import { describe, expect, it } from 'vitest';
import {
  decodeKombuMessage,
  encodeKombuMessage,
  fromKombuPriority,
  markRedelivered,
  OPAQUE_CONTENT_TYPE,
  toKombuPriority,
} from '../src/celery/kombu-message.ts';

function celery(headers: Record<string, unknown>, body: unknown, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    body: Buffer.from(JSON.stringify(body)).toString('base64'),
    'content-encoding': 'utf-8',
    'content-type': 'application/json',
    headers,
    properties: {
      correlation_id: 'c',
      delivery_info: { exchange: '', routing_key: 'q' },
      body_encoding: 'base64',
      delivery_tag: 't1',
    },
    ...extra,
  });
}

describe('kombu priorities', () => {
  it('are 9 − Celeriac priority, both ways, with kombu 0 (served first) for a message without one', () => {
    expect([0, 1, 5, 9].map(toKombuPriority)).toEqual([9, 8, 4, 0]);
    expect([0, 3, 9].map(fromKombuPriority)).toEqual([9, 6, 0]);
    expect(fromKombuPriority(undefined)).toBe(9);
    expect(fromKombuPriority(42)).toBe(0);
  });
});

describe('encodeKombuMessage', () => {
  it('carries a body that is not a task envelope untouched, with its eta in Python isoformat', () => {
    const eta = Date.parse('2026-01-01T12:00:00.250Z');
    const { text, tag, kombuPriority } = encodeKombuMessage({ id: 'm1', queue: 'q', body: 'plain', priority: 2, eta });
    const message = JSON.parse(text);
    expect(message['content-type']).toBe(OPAQUE_CONTENT_TYPE);
    expect(message.headers).toEqual({ eta: '2026-01-01T12:00:00.250000+00:00' });
    expect(message.properties).toMatchObject({ correlation_id: 'm1', delivery_tag: tag, priority: 7 });
    expect(kombuPriority).toBe(7);
    expect(decodeKombuMessage(text, 'q')).toMatchObject({ ok: true, id: 'm1', body: 'plain', priority: 2 });
  });
});

describe('decodeKombuMessage', () => {
  it("maps a Celery message to an envelope, without kombu's redelivered mark among its headers", () => {
    const text = markRedelivered(celery({ task: 'tasks.add', id: 'a1', lang: 'py' }, [[1, 2], { k: 3 }, {}]));
    const decoded = decodeKombuMessage(text, 'q');
    expect(decoded).toMatchObject({ ok: true, tag: 't1', id: 'a1', priority: 9, redelivered: true });
    const envelope = JSON.parse((decoded as { body: string }).body);
    expect(envelope.headers).toMatchObject({ task: 'tasks.add', id: 'a1', root_id: 'a1' });
    expect(envelope.headers).not.toHaveProperty('redelivered');
    expect(envelope.body.slice(0, 2)).toEqual([[1, 2], { k: 3 }]);
  });

  it('gives a reason for what Celeriac cannot run', () => {
    const reason = (text: string) => (decodeKombuMessage(text, 'q') as { reason?: string }).reason;
    expect(reason(celery({ task: 'x', id: 'i' }, [[], {}, {}], { 'content-type': 'application/x-yaml' }))).toMatch(
      /content type "application\/x-yaml" is not supported/,
    );
    expect(reason(celery({ task: 'x', id: 'i', compression: 'application/x-gzip' }, [[], {}, {}]))).toMatch(
      /compressed messages/,
    );
    expect(reason(celery({}, { task: 'x', id: 'i', args: [] }))).toMatch(/protocol 1 is not supported/);
  });
});
