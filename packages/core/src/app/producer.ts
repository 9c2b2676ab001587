import { randomUUID } from 'node:crypto';
import type { OutgoingMessage } from '../broker/broker.ts';
import { EMPTY_EMBED, type Embed, ENVELOPE_VERSION, type TaskEnvelope } from '../broker/message.ts';
import { SerializationError } from '../errors/celeriac-error.ts';
import type { TaskSentEvent } from '../events/event-map.ts';
import { copyJson, type Json } from '../json/json.ts';
import type { CallOptions } from '../task/call-options.ts';
import { maybeCurrentTask } from '../task/context.ts';
import type { TaskOptions } from '../task/options.ts';
import type { Router } from './routing.ts';
import { assertPriority, assertSeconds, expiresToEpochMs, toEpochMs } from './time.ts';

/** One task to publish. */
export interface PublishRequest {
  name: string;
  args: readonly unknown[];
  call: CallOptions;
  /** The task's own options (queue, priority, expires, limits), when the producer knows the task. */
  task: TaskOptions | undefined;
  /** Set on retries and canvas steps. */
  retries?: number;
  rootId?: string;
  parentId?: string | null;
  groupId?: string | null;
  embed?: Embed;
  /** Envelope headers to carry over (retries keep the original call's headers). */
  extraHeaders?: Record<string, Json>;
}

/** A message ready for `Broker.publish`, with the event announcing it. */
export interface PreparedMessage {
  id: string;
  message: OutgoingMessage;
  sentEvent: TaskSentEvent;
  /** True when the caller chose the id, so it is deduplicated. */
  dedup: boolean;
}

/** Header marking a message whose id the producer chose; the worker frees the id when it is done. */
export const DEDUP_HEADER = 'celeriac_dedup';

/** Builds protocol-2 envelopes: validates arguments, routes, computes eta/expires, caps the size. */
export class MessageBuilder {
  readonly #router: Router;
  readonly #defaultQueue: string;
  readonly #hostname: string;
  readonly #maxPayloadBytes: number;

  constructor(options: { router: Router; defaultQueue: string; hostname: string; maxPayloadBytes: number }) {
    this.#router = options.router;
    this.#defaultQueue = options.defaultQueue;
    this.#hostname = options.hostname;
    this.#maxPayloadBytes = options.maxPayloadBytes;
  }

  build(request: PublishRequest, now: number = Date.now()): PreparedMessage {
    const { name, call, task } = request;
    const args = copyJson(request.args as Json[], `${name} args`);
    const kwargs = call.kwargs === undefined ? {} : copyJson(call.kwargs, `${name} kwargs`);
    const headers = call.headers === undefined ? undefined : copyJson(call.headers, `${name} headers`);

    const route = call.queue === undefined && task?.queue === undefined ? this.#router.route(name, args) : undefined;
    const queue = call.queue ?? task?.queue ?? route?.queue ?? this.#defaultQueue;
    const priority = call.priority ?? route?.priority ?? task?.priority ?? 0;
    assertPriority(priority);

    let eta: number | undefined;
    if (call.countdown !== undefined) {
      assertSeconds(call.countdown, 'countdown');
      eta = now + call.countdown * 1000;
    }
    if (call.eta !== undefined) eta = toEpochMs(call.eta, 'eta');
    const expiresOption = call.expires ?? task?.expires;
    const expires = expiresOption === undefined ? undefined : expiresToEpochMs(expiresOption, now);

    const id = call.taskId ?? randomUUID();
    const parent = request.parentId === undefined ? maybeCurrentTask() : undefined;
    const parentId = request.parentId ?? parent?.id ?? null;
    const rootId = request.rootId ?? parent?.rootId ?? id;
    const dedup = call.taskId !== undefined && (request.retries ?? 0) === 0;
    const etaIso = eta === undefined ? null : new Date(eta).toISOString();
    const expiresIso = expires === undefined ? null : new Date(expires).toISOString();

    const envelope: TaskEnvelope = {
      headers: {
        ...request.extraHeaders,
        ...headers,
        lang: 'js',
        task: name,
        id,
        root_id: rootId,
        parent_id: parentId,
        group: request.groupId ?? null,
        eta: etaIso,
        expires: expiresIso,
        retries: request.retries ?? 0,
        timelimit: [task?.timeLimit ?? null, task?.softTimeLimit ?? null],
        origin: this.#hostname,
        version: ENVELOPE_VERSION,
        ...(dedup ? { [DEDUP_HEADER]: true } : {}),
      },
      properties: {
        correlation_id: id,
        content_type: 'application/json',
        content_encoding: 'utf-8',
        priority,
        delivery_info: { routing_key: queue },
      },
      body: [args, kwargs, request.embed ?? withLinks(call)],
    };
    const body = JSON.stringify(envelope);
    // UTF-8 takes at most 3 bytes per UTF-16 unit, so only long bodies need an exact count.
    if (body.length * 3 > this.#maxPayloadBytes) {
      const bytes = Buffer.byteLength(body);
      if (bytes > this.#maxPayloadBytes) {
        throw new SerializationError(
          `Task ${name} message is ${bytes} bytes, over maxPayloadBytes (${this.#maxPayloadBytes}): store large data elsewhere (a file, a database) and pass its id, or raise maxPayloadBytes.`,
        );
      }
    }
    const message: OutgoingMessage =
      eta === undefined
        ? { id, queue, body, priority, payload: envelope }
        : { id, queue, body, priority, eta, payload: envelope };
    const sentEvent: TaskSentEvent = {
      type: 'task-sent',
      taskId: id,
      name,
      hostname: this.#hostname,
      timestamp: now,
      queue,
      args,
      retries: request.retries ?? 0,
      eta: etaIso,
      expires: expiresIso,
      parentId,
      rootId,
    };
    return { id, message, sentEvent, dedup };
  }
}

function withLinks(call: CallOptions): Embed {
  if (call.link === undefined && call.linkError === undefined) return EMPTY_EMBED;
  const list = (value: CallOptions['link']) =>
    value === undefined ? null : (Array.isArray(value) ? value : [value]).map((signature) => signature.toJSON());
  return { callbacks: list(call.link), errbacks: list(call.linkError), chain: null, chord: null };
}
