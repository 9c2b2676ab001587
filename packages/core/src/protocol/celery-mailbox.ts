import { randomUUID } from 'node:crypto';
import type { ControlCommand, ControlReply, ControlRequest } from '../control/protocol.ts';
import { coerceError } from '../errors/coerce-error.ts';
import type { Json } from '../json/json.ts';

/** Celery's mailbox exchange (kombu `Mailbox('celery')`, a fanout): `celery inspect` and `celery control` publish there. */
export const CELERY_PIDBOX_EXCHANGE = 'celery.pidbox';

/** A control message of Celery's mailbox, as kombu's `Mailbox._publish` sends it. */
export interface CeleryMailboxMessage {
  method: string;
  arguments?: Record<string, Json> | null;
  destination?: string[] | null;
  pattern?: string | null;
  matcher?: string | null;
  /** Present when the sender waits for replies (`inspect`, `control ping`). */
  reply_to?: { exchange: string; routing_key: string } | null;
  ticket?: string | null;
}

/** A mailbox message from its JSON text; undefined when it is not one. */
export function parseCeleryMailboxMessage(text: string): CeleryMailboxMessage | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const message = parsed as CeleryMailboxMessage;
  return typeof message.method === 'string' ? message : undefined;
}

/**
 * Whether the worker `hostname` should run it, as kombu's `Node.handle_message` decides: listed in
 * `destination`, else matched by `pattern` (`glob`: fnmatch; `pcre`: `re.match`), else everyone.
 */
export function celeryMailboxAddressedTo(message: CeleryMailboxMessage, hostname: string): boolean {
  if (Array.isArray(message.destination) && message.destination.length > 0) {
    return message.destination.includes(hostname);
  }
  const { pattern, matcher } = message;
  if (typeof pattern === 'string' && pattern !== '' && typeof matcher === 'string' && matcher !== '') {
    try {
      if (matcher === 'pcre') return new RegExp(pattern, 'y').test(hostname);
      if (matcher === 'glob') return globToRegExp(pattern).test(hostname);
    } catch {
      return false;
    }
    return false;
  }
  return true;
}

/** fnmatch: `*` any run, `?` one character, `[…]` a set (`[!…]` its complement), the rest literal. */
function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] as string;
    const close = char === '[' ? pattern.indexOf(']', i + 2) : -1;
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else if (close > 0) {
      const set = pattern.slice(i + 1, close).replace(/\\/g, '\\\\');
      source += set.startsWith('!') ? `[^${set.slice(1)}]` : `[${set}]`;
      i = close;
    } else source += char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

/** What a Celery control method becomes for a Celeriac worker. */
export type CeleryMailboxTranslation =
  | { kind: 'forward'; requests: Array<{ command: ControlCommand; args: Record<string, Json> }>; reply?: Json }
  | { kind: 'unsupported' };

/**
 * Celery's control methods that Celeriac workers answer: `ping`, the `inspect` queries (`stats`,
 * `active`, `reserved`, `scheduled`, `registered`; their replies are Celeriac's shapes), `revoke`
 * (one id or a list; answered at once, as Celery does) and `rate_limit`.
 */
export function translateCeleryMailboxMessage(message: CeleryMailboxMessage): CeleryMailboxTranslation {
  const args = message.arguments ?? {};
  switch (message.method) {
    case 'ping':
    case 'stats':
    case 'active':
    case 'reserved':
    case 'scheduled':
    case 'registered':
      return { kind: 'forward', requests: [{ command: message.method, args: {} }] };
    case 'revoke': {
      const ids = (Array.isArray(args.task_id) ? args.task_id : [args.task_id]).filter(
        (id): id is string => typeof id === 'string' && id !== '',
      );
      return {
        kind: 'forward',
        requests: ids.map((taskId) => ({ command: 'revoke', args: { taskId, terminate: args.terminate === true } })),
        reply: { ok: `tasks ${ids.join(', ')} flagged as revoked` },
      };
    }
    case 'rate_limit': {
      // Celery takes '10/m', or a number meaning per second.
      const rate = typeof args.rate_limit === 'number' ? `${args.rate_limit}/s` : (args.rate_limit ?? null);
      return {
        kind: 'forward',
        requests: [{ command: 'rate_limit', args: { taskName: args.task_name ?? null, rate } }],
      };
    }
    default:
      return { kind: 'unsupported' };
  }
}

/** A reply as kombu's `Mailbox._publish_reply` sends it: `{ hostname: result }`, transient JSON. */
export interface CeleryMailboxReply {
  /** The asker's `reply_to`: exchange and routing key. */
  exchange: string;
  routingKey: string;
  /** The `ticket` the asking client collects replies by, and this process's reply `clock`. */
  headers: { ticket: string | null; clock: number };
  body: Record<string, Json>;
}

/** What a {@link CeleryMailbox} needs from the broker that carries it. */
export interface CeleryMailboxTransport {
  /** Send a reply to the asking client. */
  reply(reply: CeleryMailboxReply): Promise<void>;
  /** A node's worker told its hostname: it can now be addressed (AMQP declares its mailbox queue then). */
  named?(node: CeleryMailboxNode): void;
  /** An error no caller can receive. */
  report(error: Error, source: string): void;
}

/** One local listener of core's CONTROL_CHANNEL (a worker), as Celery's mailbox sees it. */
export interface CeleryMailboxNode {
  /** The worker's hostname, once it answered the in-process ping; it is addressed only then. */
  readonly hostname: string | undefined;
  readonly closed: boolean;
}

interface Node extends CeleryMailboxNode {
  readonly handler: (message: Json) => void;
  hostname: string | undefined;
  closed: boolean;
  probeTimer: NodeJS.Timeout | undefined;
}

interface ReplyTarget {
  readonly exchange: string;
  readonly routingKey: string;
  readonly ticket: string | null;
}

/** How soon a worker is first asked its name, and the longest wait between two asks. */
const PROBE_FIRST_MS = 20;
const PROBE_MAX_MS = 1000;
/** A request whose worker never answered is forgotten after this long. */
const PENDING_TTL_MS = 60_000;

/**
 * Celery's remote control for the Celeriac workers of this process, whatever carries it. Each
 * worker (a listener of core's CONTROL_CHANNEL) is a node; a mailbox message addressed to its
 * hostname becomes core control requests handed to it in-process, and the reply the worker
 * broadcasts on REPLY_CHANNEL (which its broker hands to {@link takeReply} first) goes back to the
 * Celery client as kombu's `Node.reply` does, through the transport.
 *
 * A broker does not know a worker's hostname when it subscribes, so the mailbox asks: an
 * in-process ping repeated until the worker, once running, answers with its name.
 */
export class CeleryMailbox {
  readonly #transport: CeleryMailboxTransport;
  readonly #nodes = new Set<Node>();
  readonly #probes = new Map<string, Node>();
  readonly #pending = new Map<string, ReplyTarget & { readonly at: number }>();
  #clock = 0;

  constructor(transport: CeleryMailboxTransport) {
    this.#transport = transport;
  }

  /** Local nodes attached and not detached. */
  get size(): number {
    return this.#nodes.size;
  }

  /** Bridge a CONTROL_CHANNEL listener; it is addressed once it has told its hostname. */
  attach(handler: (message: Json) => void): CeleryMailboxNode {
    const node: Node = { handler, hostname: undefined, closed: false, probeTimer: undefined };
    this.#nodes.add(node);
    this.#probe(node, PROBE_FIRST_MS);
    return node;
  }

  detach(node: CeleryMailboxNode): void {
    const own = node as Node;
    if (own.closed) return;
    own.closed = true;
    this.#nodes.delete(own);
    clearTimeout(own.probeTimer);
    for (const [id, probed] of this.#probes) if (probed === own) this.#probes.delete(id);
  }

  /** True when `message` (broadcast on REPLY_CHANNEL) answers a probe or a Celery request: it goes no further. */
  takeReply(message: Json): boolean {
    const reply = message as unknown as ControlReply | null;
    if (reply?.type !== 'control-reply') return false;
    const probed = this.#probes.get(reply.requestId);
    if (probed !== undefined) {
      this.#learn(probed, reply.hostname);
      return true;
    }
    const pending = this.#pending.get(reply.requestId);
    if (pending === undefined) return false;
    this.#pending.delete(reply.requestId);
    void this.#reply(pending, { [reply.hostname]: reply.result });
    return true;
  }

  /**
   * A mailbox message heard by `node` (its own mailbox queue), or without `node` by this process
   * (a fanout heard once for all): handed to each node it is addressed to.
   */
  deliver(message: CeleryMailboxMessage, node?: CeleryMailboxNode): void {
    const nodes = node === undefined ? [...this.#nodes] : [node as Node];
    for (const each of nodes) {
      const hostname = each.hostname;
      if (!each.closed && hostname !== undefined && celeryMailboxAddressedTo(message, hostname)) {
        this.#dispatch(each, hostname, message);
      }
    }
  }

  /** Detach every node and forget pending requests. */
  close(): void {
    for (const node of [...this.#nodes]) this.detach(node);
    this.#pending.clear();
  }

  #probe(node: Node, delay: number): void {
    if (node.closed || node.hostname !== undefined) return;
    const id = `celery-pidbox-probe-${randomUUID()}`;
    this.#probes.set(id, node);
    // A worker still starting ignores control requests: ask again, less often, until it answers.
    node.probeTimer = setTimeout(() => this.#probe(node, Math.min(PROBE_MAX_MS, delay * 2)), delay);
    node.probeTimer.unref();
    this.#hand(node, { type: 'control-request', id, command: 'ping', args: {}, reply: true });
  }

  #learn(node: Node, hostname: string): void {
    for (const [id, probed] of this.#probes) if (probed === node) this.#probes.delete(id);
    clearTimeout(node.probeTimer);
    if (node.closed || node.hostname !== undefined) return;
    node.hostname = hostname;
    this.#transport.named?.(node);
  }

  #dispatch(node: Node, hostname: string, message: CeleryMailboxMessage): void {
    const replyTo = message.reply_to;
    const target: ReplyTarget | undefined =
      typeof replyTo?.exchange === 'string' && typeof replyTo.routing_key === 'string'
        ? { exchange: replyTo.exchange, routingKey: replyTo.routing_key, ticket: message.ticket ?? null }
        : undefined;
    const translation = translateCeleryMailboxMessage(message);
    if (translation.kind === 'unsupported') {
      if (target !== undefined) {
        void this.#reply(target, { [hostname]: { error: `No such control command: ${message.method}` } });
      }
      return;
    }
    // A reply given here (revoke's) is sent at once; otherwise the worker's own reply is awaited.
    const awaitReply = target !== undefined && translation.reply === undefined;
    if (awaitReply) this.#sweep();
    for (const { command, args } of translation.requests) {
      const id = `celery-pidbox-${randomUUID()}`;
      if (awaitReply) this.#pending.set(id, { ...target, at: Date.now() });
      this.#hand(node, { type: 'control-request', id, command, args, reply: awaitReply });
    }
    if (target !== undefined && translation.reply !== undefined) {
      void this.#reply(target, { [hostname]: translation.reply });
    }
  }

  #hand(node: Node, request: ControlRequest): void {
    try {
      node.handler(request as unknown as Json);
    } catch (error) {
      this.#transport.report(coerceError(error), 'control handler threw');
    }
  }

  async #reply(target: ReplyTarget, body: Record<string, Json>): Promise<void> {
    try {
      await this.#transport.reply({
        exchange: target.exchange,
        routingKey: target.routingKey,
        headers: { ticket: target.ticket, clock: ++this.#clock },
        body,
      });
    } catch (error) {
      this.#transport.report(coerceError(error), 'answer a Celery control request');
    }
  }

  #sweep(): void {
    const old = Date.now() - PENDING_TTL_MS;
    for (const [id, pending] of this.#pending) if (pending.at < old) this.#pending.delete(id);
  }
}
