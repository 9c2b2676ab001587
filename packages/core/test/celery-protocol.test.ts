import {
  CELERY_EVENT_EXCHANGE,
  CeleryEventEncoder,
  type ClusterEvent,
  celeryEventRoutingKey,
  celeryResultKey,
  celeryTimeToIso,
  ENVELOPE_VERSION,
  fromCeleryWire,
  type Json,
  type ResultRecord,
  recordFromCelery,
  recordToCelery,
  signatureFromCelery,
  signatureToCelery,
  type TaskEnvelope,
  toCeleryEvent,
  toCeleryWire,
} from '@celeriac/core';
import { describe, expect, it } from 'vitest';

/** A Celeriac envelope as the producer builds it (a chain link waiting, a custom header). */
function envelope(): TaskEnvelope {
  return {
    headers: {
      lang: 'js',
      task: 'tasks.add',
      id: 'id-1',
      root_id: 'root-1',
      parent_id: 'parent-1',
      group: null,
      eta: '2026-12-03T11:14:09.831Z',
      expires: null,
      retries: 2,
      timelimit: [30, 20],
      origin: '42@web',
      version: ENVELOPE_VERSION,
      tenant: 'acme',
    },
    properties: {
      correlation_id: 'id-1',
      content_type: 'application/json',
      content_encoding: 'utf-8',
      priority: 3,
      delivery_info: { routing_key: 'celery' },
    },
    body: [
      [2, 3],
      { z: 1 },
      {
        callbacks: null,
        errbacks: null,
        chain: [
          { task: 'tasks.last', args: [], kwargs: {}, options: { taskId: 'id-3' }, immutable: false },
          {
            task: 'tasks.next',
            args: [4],
            kwargs: { k: true },
            options: { taskId: 'id-2', queue: 'py' },
            immutable: true,
          },
        ],
        chord: null,
      },
    ],
  };
}

/** What `app.send_task('tasks.add', [2, 3], {'z': 1}, countdown=5, expires=60)` put on RabbitMQ (Celery 5.2.6). */
const PYTHON_HEADERS = {
  lang: 'py',
  task: 'tasks.add',
  id: 'b7cb9fe9-0415-4db6-aa69-9e03b3cf5d92',
  shadow: null,
  eta: '2026-12-03T11:14:09.831807+00:00',
  expires: '2026-12-03T11:15:04.831807+00:00',
  group: null,
  group_index: null,
  retries: 0,
  timelimit: [null, null],
  root_id: 'b7cb9fe9-0415-4db6-aa69-9e03b3cf5d92',
  parent_id: null,
  argsrepr: '[2, 3]',
  kwargsrepr: "{'z': 1}",
  origin: 'gen10592@vm',
  ignore_result: false,
};
const PYTHON_BODY = '[[2, 3], {"z": 1}, {"callbacks": null, "errbacks": null, "chain": null, "chord": null}]';

/** The first message of Python's `chain(add.s(1, 2), mul.s(3), add.s(4)).apply_async()`. */
const PYTHON_CHAIN_BODY = JSON.stringify([
  [1, 2],
  {},
  {
    callbacks: null,
    errbacks: null,
    chain: [
      {
        task: 'tasks.add',
        args: [4],
        kwargs: {},
        options: { task_id: 'c-3', reply_to: 'oid' },
        subtask_type: null,
        immutable: false,
      },
      {
        task: 'tasks.mul',
        args: [3],
        kwargs: {},
        options: { task_id: 'c-2', reply_to: 'oid' },
        subtask_type: null,
        immutable: false,
      },
    ],
    chord: null,
  },
]);

describe('toCeleryWire', () => {
  it('puts the envelope in protocol 2 as Celery 5.2 sends it', () => {
    const wire = toCeleryWire(envelope());

    expect(wire.properties).toEqual({
      correlation_id: 'id-1',
      reply_to: '',
      priority: 3,
      delivery_mode: 2,
      content_type: 'application/json',
      content_encoding: 'utf-8',
    });
    expect(wire.headers).toMatchObject({
      lang: 'js',
      task: 'tasks.add',
      id: 'id-1',
      root_id: 'root-1',
      parent_id: 'parent-1',
      group: null,
      group_index: null,
      shadow: null,
      expires: null,
      retries: 2,
      timelimit: [30, 20],
      origin: '42@web',
      argsrepr: '[2,3]',
      kwargsrepr: '{"z":1}',
      ignore_result: false,
      tenant: 'acme',
    });
    expect(wire.headers).not.toHaveProperty('version');
    const [args, kwargs, embed] = JSON.parse(wire.body) as [Json[], Record<string, Json>, Record<string, Json>];
    expect(args).toEqual([2, 3]);
    expect(kwargs).toEqual({ z: 1 });
    expect(embed).toEqual({
      callbacks: null,
      errbacks: null,
      chord: null,
      chain: [
        {
          task: 'tasks.last',
          args: [],
          kwargs: {},
          options: { task_id: 'id-3' },
          subtask_type: null,
          immutable: false,
          chord_size: null,
        },
        {
          task: 'tasks.next',
          args: [4],
          kwargs: { k: true },
          options: { task_id: 'id-2', queue: 'py' },
          subtask_type: null,
          immutable: true,
          chord_size: null,
        },
      ],
    });
  });

  it('writes times as Python isoformat, since Celery reads a three-digit fraction as microseconds', () => {
    const source = envelope();
    source.headers.expires = '2026-12-03T12:00:00.000Z';

    const { headers } = toCeleryWire(source);

    expect(headers.eta).toBe('2026-12-03T11:14:09.831000+00:00');
    expect(headers.expires).toBe('2026-12-03T12:00:00.000000+00:00');
  });

  it('round-trips through fromCeleryWire unchanged', () => {
    const source = envelope();
    const wire = toCeleryWire(source);

    const back = fromCeleryWire({
      headers: wire.headers,
      properties: wire.properties,
      body: wire.body,
      queue: 'celery',
    });

    expect(back).toEqual(source);
  });

  it("carries a chord callback's size as Celery's chord_size, both ways", () => {
    const source = envelope();
    source.headers.group = 'g-1';
    source.body[2] = {
      callbacks: null,
      errbacks: null,
      chain: null,
      chord: { task: 'tasks.sum', args: [], kwargs: {}, options: { taskId: 'cb', chordSize: 3 }, immutable: false },
    };
    const wire = toCeleryWire(source);

    expect((JSON.parse(wire.body) as [unknown, unknown, { chord: { chord_size: number } }])[2].chord.chord_size).toBe(
      3,
    );
    expect(fromCeleryWire({ headers: wire.headers, body: wire.body, queue: 'celery' }).body[2].chord?.options).toEqual({
      taskId: 'cb',
      chordSize: 3,
    });
  });
});

describe('fromCeleryWire', () => {
  it('reads what a Python client sends: microsecond times, kwargs, the AMQP priority', () => {
    const envelope = fromCeleryWire({
      headers: PYTHON_HEADERS,
      properties: { correlation_id: PYTHON_HEADERS.id, reply_to: 'oid', priority: 0 },
      body: PYTHON_BODY,
      queue: 'celery',
      priority: 7,
    });

    expect(envelope.headers).toEqual({
      lang: 'js',
      task: 'tasks.add',
      id: PYTHON_HEADERS.id,
      root_id: PYTHON_HEADERS.id,
      parent_id: null,
      group: null,
      // Rounded up to the millisecond: never early.
      eta: '2026-12-03T11:14:09.832Z',
      expires: '2026-12-03T11:15:04.832Z',
      retries: 0,
      timelimit: [null, null],
      origin: 'gen10592@vm',
      version: ENVELOPE_VERSION,
    });
    expect(envelope.properties).toEqual({
      correlation_id: PYTHON_HEADERS.id,
      content_type: 'application/json',
      content_encoding: 'utf-8',
      priority: 7,
      delivery_info: { routing_key: 'celery' },
    });
    expect(envelope.body).toEqual([[2, 3], { z: 1 }, { callbacks: null, errbacks: null, chain: null, chord: null }]);
  });

  it('reads naive times (utcnow().isoformat()) as UTC, and keeps user headers', () => {
    const envelope = fromCeleryWire({
      headers: { ...PYTHON_HEADERS, eta: '2026-12-03T11:14:09.831000', expires: null, tenant: 'acme' },
      body: PYTHON_BODY,
      queue: 'q',
    });

    expect(envelope.headers.eta).toBe('2026-12-03T11:14:09.831Z');
    expect(envelope.headers.expires).toBeNull();
    expect(envelope.headers.tenant).toBe('acme');
    expect(envelope.headers).not.toHaveProperty('argsrepr');
    expect(envelope.headers).not.toHaveProperty('shadow');
  });

  it("keeps Celery's reversed chain: the next link is last, with its task id", () => {
    const envelope = fromCeleryWire({ headers: PYTHON_HEADERS, body: PYTHON_CHAIN_BODY, queue: 'celery' });

    expect(envelope.body[2].chain).toEqual([
      { task: 'tasks.add', args: [4], kwargs: {}, options: { taskId: 'c-3' }, immutable: false },
      { task: 'tasks.mul', args: [3], kwargs: {}, options: { taskId: 'c-2' }, immutable: false },
    ]);
  });

  it('a chain passed back to Celery keeps its order and task ids', () => {
    const envelope = fromCeleryWire({ headers: PYTHON_HEADERS, body: PYTHON_CHAIN_BODY, queue: 'celery' });

    const [, , embed] = JSON.parse(toCeleryWire(envelope).body) as [unknown, unknown, { chain: Json[] }];

    expect(embed.chain).toEqual([
      {
        task: 'tasks.add',
        args: [4],
        kwargs: {},
        options: { task_id: 'c-3' },
        subtask_type: null,
        immutable: false,
        chord_size: null,
      },
      {
        task: 'tasks.mul',
        args: [3],
        kwargs: {},
        options: { task_id: 'c-2' },
        subtask_type: null,
        immutable: false,
        chord_size: null,
      },
    ]);
  });

  it('defaults what older or hand-made messages leave out', () => {
    const envelope = fromCeleryWire({ headers: { task: 't', id: 'x' }, body: '[[], null]', queue: 'q' });

    expect(envelope.headers).toMatchObject({ root_id: 'x', parent_id: null, retries: 0, timelimit: [null, null] });
    expect(envelope.body).toEqual([[], {}, { callbacks: null, errbacks: null, chain: null, chord: null }]);
    expect(envelope.properties.priority).toBe(0);
  });

  it.each([
    ['no headers (protocol 1)', { headers: undefined, body: '{"task": "t", "id": "x", "args": []}' }, /protocol 1/],
    ['an empty headers table (protocol 1 over AMQP)', { headers: {}, body: '{"task": "t", "id": "x"}' }, /protocol 1/],
    ['headers without a task name', { headers: { id: 'x' }, body: '[[], {}, {}]' }, /no task name/],
    ['headers without an id', { headers: { task: 't' }, body: '[[], {}, {}]' }, /no task id/],
    ['a pickled body', { headers: { task: 't', id: 'x' }, body: '\u0080\u0004K\u0001.' }, /not JSON.*json serializer/],
    [
      'a body that is not [args, kwargs, embed]',
      { headers: { task: 't', id: 'x' }, body: '{"args": []}' },
      /\[args, kwargs, embed\]/,
    ],
    [
      'an unreadable eta',
      { headers: { task: 't', id: 'x', eta: 'tomorrow' }, body: '[[], {}, {}]' },
      /unreadable time "tomorrow"/,
    ],
    [
      'a chord member sent by Python',
      {
        headers: { task: 't', id: 'x', lang: 'py', group: 'g' },
        body: JSON.stringify([
          [],
          {},
          { chord: { task: 'cb', args: [], kwargs: {}, options: {}, subtask_type: null } },
        ]),
      },
      /chords do not cross languages/,
    ],
    [
      'a group nested in a chain',
      {
        headers: { task: 't', id: 'x' },
        body: JSON.stringify([[], {}, { chain: [{ task: 'celery.group', options: {}, subtask_type: 'group' }] }]),
      },
      /group signature/,
    ],
  ])('throws a reason fit for a dead letter on %s', (_label, message, reason) => {
    expect(() => fromCeleryWire({ ...message, queue: 'q' })).toThrow(reason);
  });
});

describe('signatures', () => {
  it("map Celeriac's camelCase options to Celery's snake_case and back, dropping what Celeriac has no use for", () => {
    const celery = signatureToCelery({
      task: 'tasks.mul',
      args: [3],
      kwargs: {},
      options: { taskId: 'a', countdown: 5, priority: 2, headers: { h: 1 } },
      immutable: false,
    });

    expect(celery).toEqual({
      task: 'tasks.mul',
      args: [3],
      kwargs: {},
      options: { task_id: 'a', countdown: 5, priority: 2, headers: { h: 1 } },
      subtask_type: null,
      immutable: false,
      chord_size: null,
    });
    expect(
      signatureFromCelery({ ...(celery as object), options: { task_id: 'a', reply_to: 'oid', countdown: null } }),
    ).toEqual({
      task: 'tasks.mul',
      args: [3],
      kwargs: {},
      options: { taskId: 'a' },
      immutable: false,
    });
  });

  it('rejects a signature without a task name', () => {
    expect(() => signatureFromCelery({ args: [] })).toThrow(/without a task name/);
  });
});

describe('celeryTimeToIso', () => {
  it('reads aware, naive and Z times, rounding microseconds up', () => {
    expect(celeryTimeToIso('2026-12-03T11:14:09.831807+00:00')).toBe('2026-12-03T11:14:09.832Z');
    expect(celeryTimeToIso('2026-12-03T13:14:09.5+02:00')).toBe('2026-12-03T11:14:09.500Z');
    expect(celeryTimeToIso('2026-12-03T11:14:09')).toBe('2026-12-03T11:14:09.000Z');
    expect(celeryTimeToIso('2026-12-03T11:14:09.831000Z')).toBe('2026-12-03T11:14:09.831Z');
    expect(celeryTimeToIso('soon')).toBeUndefined();
  });
});

describe('events', () => {
  const sender = { pid: 99, clock: 7 };

  it("are published on Celery's topic exchange, routed by type with dots", () => {
    expect(CELERY_EVENT_EXCHANGE).toBe('celeryev');
    expect(celeryEventRoutingKey('task-succeeded')).toBe('task.succeeded');
    expect(celeryEventRoutingKey('worker-heartbeat')).toBe('worker.heartbeat');
    // Python's str.replace replaces every dash.
    expect(celeryEventRoutingKey('custom-my-event')).toBe('custom.my.event');
  });

  it('a succeeded task becomes the dict EventDispatcher sends (seconds, repr result)', () => {
    const event: ClusterEvent = {
      type: 'task-succeeded',
      taskId: 't1',
      name: 'ts.add',
      hostname: 'w1@host',
      timestamp: 1_700_000_000_500,
      result: 5,
      runtime: 250,
    };

    expect(toCeleryEvent(event, sender)).toEqual({
      type: 'task-succeeded',
      hostname: 'w1@host',
      timestamp: 1_700_000_000.5,
      utcoffset: Math.floor(new Date(1_700_000_000_500).getTimezoneOffset() / 60),
      pid: 99,
      clock: 7,
      uuid: 't1',
      result: '5',
      runtime: 0.25,
    });
  });

  it("a failure's exception reads as Python's repr(exc)", () => {
    const failed = (message: string, name = 'ValueError') =>
      toCeleryEvent(
        {
          type: 'task-failed',
          taskId: 't1',
          name: 'ts.fail',
          hostname: 'w1',
          timestamp: 0,
          error: { name, message, stack: 'at x' },
          retries: 0,
          runtime: 1,
        },
        sender,
      );

    expect(failed('boom')).toMatchObject({ exception: "ValueError('boom')", traceback: 'at x' });
    expect(failed("it's")).toMatchObject({ exception: `ValueError("it's")` });
    expect(failed('a\nb')).toMatchObject({ exception: "ValueError('a\\nb')" });
    // Named as in the stored result: Celery's NotRegistered for an unknown task.
    expect(failed('no ts.x', 'UnknownTaskError')).toMatchObject({ exception: "NotRegistered('no ts.x')" });
  });

  it('worker heartbeats carry what `celery events` and Flower read; progress has no Celery counterpart', () => {
    const heartbeat = toCeleryEvent(
      {
        type: 'worker-heartbeat',
        hostname: 'w1',
        timestamp: 1000,
        pid: 123,
        queues: ['celery'],
        concurrency: 4,
        active: 1,
        processed: 10,
        freq: 2,
      },
      sender,
    );

    expect(heartbeat).toMatchObject({
      type: 'worker-heartbeat',
      hostname: 'w1',
      pid: 123,
      freq: 2,
      active: 1,
      processed: 10,
      sw_ident: 'celeriac',
    });
    expect(heartbeat?.loadavg).toHaveLength(3);
    expect(
      toCeleryEvent(
        { type: 'task-progress', taskId: 't', name: 'n', hostname: 'w', timestamp: 0, state: 'PROGRESS', meta: {} },
        sender,
      ),
    ).toBeNull();
  });

  it("a broadcast batch becomes one message per Celery event, numbered by the sender's Lamport clock", () => {
    const encoder = new CeleryEventEncoder();
    const started = { type: 'task-started', taskId: 't1', name: 'ts.add', hostname: 'w1', timestamp: 0 };
    const progress = { ...started, type: 'task-progress', state: 'PROGRESS', meta: {} };
    const batch = { events: [started, progress, { ...started, hostname: 'w2' }] } as unknown as Json;

    const messages = encoder.encode(batch);
    expect(messages.map(({ routingKey, hostname, body }) => [routingKey, hostname, body.clock])).toEqual([
      ['task.started', 'w1', 1],
      ['task.started', 'w2', 3],
    ]);
    expect(messages[0]?.body).toMatchObject({ type: 'task-started', uuid: 't1', pid: process.pid });
    expect(encoder.encode(batch)[0]?.body.clock).toBe(4);
    expect(encoder.encode({ something: 'else' })).toEqual([]);
    expect(encoder.encode(null)).toEqual([]);
  });
});

describe('results', () => {
  it("live under Celery's key", () => {
    expect(celeryResultKey('abc')).toBe('celery-task-meta-abc');
  });

  it('a success round-trips through Celery meta', () => {
    const record: ResultRecord = {
      taskId: 't1',
      name: 'ts.add',
      state: 'SUCCESS',
      result: 5,
      retries: 0,
      dateDone: '2026-12-03T11:14:09.831Z',
      args: [2, 3],
      queue: 'celery',
      worker: 'w1',
    };

    const meta = recordToCelery(record);

    expect(meta).toMatchObject({
      status: 'SUCCESS',
      result: 5,
      task_id: 't1',
      date_done: '2026-12-03T11:14:09.831000+00:00',
    });
    expect(recordFromCelery('t1', meta)).toMatchObject({ taskId: 't1', state: 'SUCCESS', result: 5, args: [2, 3] });
  });

  it('a Python exception reads back with its type and message', () => {
    const record = recordFromCelery('t2', {
      status: 'FAILURE',
      result: { exc_type: 'ValueError', exc_message: ['boom'], exc_module: 'builtins' },
      traceback: 'Traceback…',
      date_done: '2026-12-03T11:14:09.831807',
      task_id: 't2',
    });

    expect(record).toMatchObject({
      state: 'FAILURE',
      error: { name: 'ValueError', message: 'boom', stack: 'Traceback…' },
      dateDone: '2026-12-03T11:14:09.832Z',
    });
  });
});
