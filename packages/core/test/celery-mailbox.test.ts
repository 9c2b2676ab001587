import {
  CeleryMailbox,
  type CeleryMailboxMessage,
  type CeleryMailboxNode,
  type CeleryMailboxReply,
  type ControlRequest,
  celeryMailboxAddressedTo,
  type Json,
  parseCeleryMailboxMessage,
  translateCeleryMailboxMessage,
} from '@celeriac/core';
import { waitFor } from '@celeriac/core/testing';
import { afterEach, describe, expect, it } from 'vitest';

const ping = { method: 'ping', arguments: {} };
/** What `celery inspect ping` publishes (kombu's `Mailbox._broadcast`), reply address included. */
const INSPECT_PING: CeleryMailboxMessage = {
  method: 'ping',
  arguments: {},
  destination: null,
  pattern: null,
  matcher: null,
  reply_to: { exchange: 'reply.celery.pidbox', routing_key: 'r-1' },
  ticket: 't-1',
};

describe('parseCeleryMailboxMessage', () => {
  it('reads a mailbox message, and nothing else', () => {
    expect(parseCeleryMailboxMessage(JSON.stringify(INSPECT_PING))).toEqual(INSPECT_PING);
    expect(parseCeleryMailboxMessage('{"method": 1}')).toBeUndefined();
    expect(parseCeleryMailboxMessage('[1]')).toBeUndefined();
    expect(parseCeleryMailboxMessage('null')).toBeUndefined();
    expect(parseCeleryMailboxMessage('{not json')).toBeUndefined();
  });
});

describe('celeryMailboxAddressedTo', () => {
  it('runs what is addressed to this hostname, by destination, glob or regex, else everything', () => {
    expect(celeryMailboxAddressedTo(ping, 'w1@host')).toBe(true);
    expect(celeryMailboxAddressedTo({ ...ping, destination: ['w1@host'] }, 'w1@host')).toBe(true);
    expect(celeryMailboxAddressedTo({ ...ping, destination: ['w2@host'] }, 'w1@host')).toBe(false);
    expect(celeryMailboxAddressedTo({ ...ping, pattern: 'w*@host', matcher: 'glob' }, 'w1@host')).toBe(true);
    expect(celeryMailboxAddressedTo({ ...ping, pattern: 'w[!1]@host', matcher: 'glob' }, 'w1@host')).toBe(false);
    expect(celeryMailboxAddressedTo({ ...ping, pattern: 'w\\d', matcher: 'pcre' }, 'w1@host')).toBe(true);
    expect(celeryMailboxAddressedTo({ ...ping, pattern: 'host', matcher: 'pcre' }, 'w1@host')).toBe(false);
    expect(celeryMailboxAddressedTo({ ...ping, pattern: '(', matcher: 'pcre' }, 'w1@host')).toBe(false);
  });
});

describe('translateCeleryMailboxMessage', () => {
  it("maps Celery's methods to core's control commands", () => {
    expect(translateCeleryMailboxMessage(ping)).toEqual({ kind: 'forward', requests: [{ command: 'ping', args: {} }] });
    expect(
      translateCeleryMailboxMessage({ method: 'revoke', arguments: { task_id: ['a', 'b'], terminate: true } }),
    ).toEqual({
      kind: 'forward',
      requests: [
        { command: 'revoke', args: { taskId: 'a', terminate: true } },
        { command: 'revoke', args: { taskId: 'b', terminate: true } },
      ],
      reply: { ok: 'tasks a, b flagged as revoked' },
    });
    expect(
      translateCeleryMailboxMessage({ method: 'rate_limit', arguments: { task_name: 't', rate_limit: 5 } }),
    ).toEqual({
      kind: 'forward',
      requests: [{ command: 'rate_limit', args: { taskName: 't', rate: '5/s' } }],
    });
    expect(translateCeleryMailboxMessage({ method: 'pool_restart' })).toEqual({ kind: 'unsupported' });
  });
});

/** A Celeriac worker as the mailbox sees it: answers pings (its name) once `running`, records the rest. */
class FakeWorker {
  readonly requests: ControlRequest[] = [];
  running = true;
  readonly #hostname: string;
  readonly #mailbox: () => CeleryMailbox;

  constructor(hostname: string, mailbox: () => CeleryMailbox) {
    this.#hostname = hostname;
    this.#mailbox = mailbox;
  }

  readonly handler = (message: Json): void => {
    const request = message as unknown as ControlRequest;
    if (!this.running) return;
    if (request.command !== 'ping') this.requests.push(request);
    if (!request.reply) return;
    const result = request.command === 'ping' ? { ok: 'pong' } : [request.command];
    // Core's worker answers asynchronously, through its broker's broadcast.
    queueMicrotask(() =>
      this.#mailbox().takeReply({ type: 'control-reply', requestId: request.id, hostname: this.#hostname, result }),
    );
  };
}

describe('CeleryMailbox', () => {
  let mailbox: CeleryMailbox;
  let replies: CeleryMailboxReply[];
  let named: string[];
  let reported: string[];

  afterEach(() => mailbox.close());

  function open(): void {
    replies = [];
    named = [];
    reported = [];
    mailbox = new CeleryMailbox({
      reply: async (reply) => {
        replies.push(reply);
      },
      named: (node) => named.push(node.hostname ?? '?'),
      report: (error, source) => reported.push(`${source}: ${error.message}`),
    });
  }

  async function attach(hostname: string): Promise<FakeWorker & { node: CeleryMailboxNode }> {
    const worker = new FakeWorker(hostname, () => mailbox);
    const node = mailbox.attach(worker.handler);
    await waitFor(() => node.hostname === hostname);
    return Object.assign(worker, { node });
  }

  it("learns a worker's hostname by an in-process ping, asked again until the worker runs", async () => {
    open();
    const worker = new FakeWorker('w1@host', () => mailbox);
    worker.running = false;
    const node = mailbox.attach(worker.handler);
    mailbox.deliver(INSPECT_PING);
    expect(node.hostname).toBeUndefined();

    worker.running = true;
    await waitFor(() => node.hostname === 'w1@host');
    expect(named).toEqual(['w1@host']);
    // Not addressed while its name was unknown: no reply to the ping sent before.
    expect(replies).toEqual([]);
  });

  it("answers `inspect ping` with the worker's reply, as kombu's Node.reply: { hostname: result }, ticket and clock", async () => {
    open();
    await attach('w1@host');
    mailbox.deliver(INSPECT_PING);
    mailbox.deliver({ ...INSPECT_PING, ticket: 't-2' });

    await waitFor(() => replies.length === 2);
    expect(replies[0]).toEqual({
      exchange: 'reply.celery.pidbox',
      routingKey: 'r-1',
      headers: { ticket: 't-1', clock: 1 },
      body: { 'w1@host': { ok: 'pong' } },
    });
    expect(replies[1]?.headers).toEqual({ ticket: 't-2', clock: 2 });
  });

  it('hands a message heard once per process to each worker it is addressed to', async () => {
    open();
    const one = await attach('w1@host');
    const two = await attach('w2@host');
    mailbox.deliver({ ...INSPECT_PING, method: 'stats', destination: ['w2@host'] });
    mailbox.deliver({ ...INSPECT_PING, method: 'active', pattern: 'w*', matcher: 'glob' });

    await waitFor(() => replies.length === 3);
    expect(one.requests.map((request) => request.command)).toEqual(['active']);
    expect(two.requests.map((request) => request.command)).toEqual(['stats', 'active']);
    expect(replies.map((reply) => reply.body)).toEqual(
      expect.arrayContaining([{ 'w2@host': ['stats'] }, { 'w1@host': ['active'] }, { 'w2@host': ['active'] }]),
    );
  });

  it('hands a message heard by one node (its own mailbox queue) to that node only', async () => {
    open();
    const one = await attach('w1@host');
    const two = await attach('w2@host');
    mailbox.deliver({ ...INSPECT_PING, method: 'registered' }, one.node);

    await waitFor(() => replies.length === 1);
    expect(one.requests.map((request) => request.command)).toEqual(['registered']);
    expect(two.requests).toEqual([]);
  });

  it('revokes at once (one id or a list) and replies as Celery does, without waiting for the worker', async () => {
    open();
    const worker = await attach('w1@host');
    mailbox.deliver({ ...INSPECT_PING, method: 'revoke', arguments: { task_id: ['a', 'b'], terminate: false } });

    expect(worker.requests).toEqual([
      expect.objectContaining({ command: 'revoke', args: { taskId: 'a', terminate: false }, reply: false }),
      expect.objectContaining({ command: 'revoke', args: { taskId: 'b', terminate: false }, reply: false }),
    ]);
    await waitFor(() => replies.length === 1);
    expect(replies[0]?.body).toEqual({ 'w1@host': { ok: 'tasks a, b flagged as revoked' } });
  });

  it('sets a rate limit; a message without reply_to is run and answered by nobody', async () => {
    open();
    const worker = await attach('w1@host');
    mailbox.deliver({ method: 'rate_limit', arguments: { task_name: 'ts.add', rate_limit: '10/m' } });

    expect(worker.requests).toEqual([
      expect.objectContaining({ command: 'rate_limit', args: { taskName: 'ts.add', rate: '10/m' }, reply: false }),
    ]);
    expect(replies).toEqual([]);
  });

  it('answers a method Celeriac has no counterpart for with an error, as a Celery worker does', async () => {
    open();
    const worker = await attach('w1@host');
    mailbox.deliver({ ...INSPECT_PING, method: 'pool_restart' });

    await waitFor(() => replies.length === 1);
    expect(replies[0]?.body).toEqual({ 'w1@host': { error: 'No such control command: pool_restart' } });
    expect(worker.requests).toEqual([]);
  });

  it('takes only the replies it asked for; a detached worker is no longer addressed; a throwing handler is reported', async () => {
    open();
    const worker = await attach('w1@host');
    expect(mailbox.takeReply({ type: 'control-reply', requestId: 'other', hostname: 'w1@host', result: null })).toBe(
      false,
    );
    expect(mailbox.takeReply({ type: 'control-request' })).toBe(false);

    let throwing = false;
    const thrower = new FakeWorker('w2@host', () => mailbox);
    const node = mailbox.attach((message) => {
      if (throwing) throw new Error('boom');
      thrower.handler(message);
    });
    await waitFor(() => node.hostname === 'w2@host');
    throwing = true;
    mailbox.deliver({ ...INSPECT_PING, method: 'stats', destination: ['w2@host'] });
    expect(reported).toEqual(['control handler threw: boom']);

    expect(mailbox.size).toBe(2);
    mailbox.detach(node);
    mailbox.deliver({ ...INSPECT_PING, method: 'stats' });
    expect(mailbox.size).toBe(1);
    expect(worker.requests.map((request) => request.command)).toEqual(['stats']);
  });
});
