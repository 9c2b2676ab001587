import { ENVELOPE_VERSION, type OutgoingMessage, type TaskEnvelope } from '@celeriac/core';
import type { Message } from 'amqplib';
import { describe, expect, it } from 'vitest';
import {
  celeryTaskItem,
  deadLetterItem,
  parkItem,
  readCeleryDeadLetter,
  readCeleryTask,
  requeueItem,
} from '../src/celery/messages.ts';
import { Topology } from '../src/topology.ts';

const topology = new Topology('');
const NOW = Date.parse('2026-12-03T11:14:00.000Z');

function outgoing(overrides: Partial<TaskEnvelope['headers']> = {}): OutgoingMessage {
  const envelope: TaskEnvelope = {
    headers: {
      lang: 'js',
      task: 'tasks.add',
      id: 'id-1',
      root_id: 'id-1',
      parent_id: null,
      group: null,
      eta: null,
      expires: null,
      retries: 0,
      timelimit: [null, null],
      origin: '1@host',
      version: ENVELOPE_VERSION,
      ...overrides,
    },
    properties: {
      correlation_id: 'id-1',
      content_type: 'application/json',
      content_encoding: 'utf-8',
      priority: 4,
      delivery_info: { routing_key: 'celery' },
    },
    body: [[2, 3], { z: 1 }, { callbacks: null, errbacks: null, chain: null, chord: null }],
  };
  return { id: 'id-1', queue: 'celery', body: JSON.stringify(envelope), priority: 4, payload: envelope };
}

/** A message as amqplib hands a consumer what Celery 5.2 published (see the core protocol test). */
function received(headers: Record<string, unknown>, content: string, properties: object = {}): Message {
  return {
    content: Buffer.from(content),
    fields: { deliveryTag: 1, redelivered: false, exchange: '', routingKey: 'celery' },
    properties: {
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      headers,
      deliveryMode: 2,
      priority: 0,
      correlationId: headers.id,
      replyTo: 'oid',
      ...properties,
    },
  } as unknown as Message;
}

const PYTHON_HEADERS = { lang: 'py', task: 'tasks.add', id: 'py-1', eta: null, expires: null, retries: 0 };
const PYTHON_BODY = '[[2, 3], {}, {"callbacks": null, "errbacks": null, "chain": null, "chord": null}]';

describe('publishing in Celery mode', () => {
  it("goes to the default exchange, routed by the queue's name, with Celery's properties", () => {
    const item = celeryTaskItem(topology, outgoing(), NOW);

    expect(item.exchange).toBe('');
    expect(item.routingKey).toBe('celery');
    expect(item.eta).toBeUndefined();
    expect(item.options).toMatchObject({
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      deliveryMode: 2,
      priority: 4,
      correlationId: 'id-1',
      headers: { task: 'tasks.add', id: 'id-1', lang: 'js', argsrepr: '[2,3]' },
    });
    expect(item.options.expiration).toBeUndefined();
    expect(JSON.parse(item.content.toString())).toEqual([
      [2, 3],
      { z: 1 },
      { callbacks: null, errbacks: null, chain: null, chord: null },
    ]);
  });

  it('an eta goes in the header and the message goes out now; expires also sets the AMQP expiration, as Celery does', () => {
    const item = celeryTaskItem(
      topology,
      outgoing({ eta: '2026-12-03T11:14:05.000Z', expires: '2026-12-03T11:15:00.000Z' }),
      NOW,
    );

    expect(item.eta).toBeUndefined();
    expect(item.options.headers).toMatchObject({
      eta: '2026-12-03T11:14:05.000000+00:00',
      expires: '2026-12-03T11:15:00.000000+00:00',
    });
    expect(item.options.expiration).toBe('60000');
  });
});

describe('reading in Celery mode', () => {
  it("reads a Python client's message, without RabbitMQ's dead-lettering headers or ours", () => {
    const envelope = readCeleryTask(
      'celery',
      received({ ...PYTHON_HEADERS, 'x-death': [{ count: 1 }], 'x-celeriac-eta': 1, tenant: 'acme' }, PYTHON_BODY),
    );

    expect(envelope.headers).toMatchObject({ task: 'tasks.add', id: 'py-1', tenant: 'acme' });
    expect(envelope.headers).not.toHaveProperty('x-death');
    expect(envelope.headers).not.toHaveProperty('x-celeriac-eta');
  });

  it.each([
    [{ contentType: 'application/x-python-serialize' }, /json serializer only/],
    [{ contentType: 'application/x-yaml' }, /json serializer only/],
    [{ contentEncoding: 'binary' }, /content encoding binary/],
  ])('refuses %o with a reason', (properties, reason) => {
    expect(() => readCeleryTask('celery', received(PYTHON_HEADERS, PYTHON_BODY, properties))).toThrow(reason);
  });

  it('refuses a compressed body', () => {
    const message = received({ ...PYTHON_HEADERS, compression: 'application/x-gzip' }, 'x\u009c');
    expect(() => readCeleryTask('celery', message)).toThrow(/compressed/);
  });
});

describe('republishing in Celery mode', () => {
  const message = received({ ...PYTHON_HEADERS, 'x-death': [{ count: 1 }] }, PYTHON_BODY, { expiration: '60000' });

  it('parks a message in the buckets as it came, with our eta header and no TTL to lose it by', () => {
    const item = parkItem(topology, 'celery', message, NOW + 5000);

    expect(item).toMatchObject({ routingKey: 'celery', queue: 'celery', eta: NOW + 5000 });
    expect(item.content.toString()).toBe(PYTHON_BODY);
    expect(item.options).toMatchObject({
      persistent: true,
      messageId: 'py-1',
      correlationId: 'py-1',
      replyTo: 'oid',
      headers: { ...PYTHON_HEADERS, 'x-celeriac-eta': NOW + 5000 },
    });
    expect(item.options.headers).not.toHaveProperty('x-death');
    expect(item.options.expiration).toBeUndefined();
  });

  it('sets a message aside with the reason, lists it with it, and puts it back as it was', () => {
    const letter = deadLetterItem(topology, 'celery', 'py-1', message, 'because');
    expect(letter.routingKey).toBe('celery.dlq');
    const stored = received(letter.options.headers as Record<string, unknown>, PYTHON_BODY, {
      messageId: 'py-1',
    });

    expect(readCeleryDeadLetter('celery', stored)).toMatchObject({ id: 'py-1', queue: 'celery', reason: 'because' });
    expect(JSON.parse(readCeleryDeadLetter('celery', stored).body)).toMatchObject({ headers: { task: 'tasks.add' } });
    const back = requeueItem(topology, 'celery', stored);
    expect(back.routingKey).toBe('celery');
    expect(back.options.headers).toEqual(PYTHON_HEADERS);
  });
});
