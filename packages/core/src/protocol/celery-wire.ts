import type { Embed, SignatureJson, TaskEnvelope } from '../broker/message.ts';
import { ENVELOPE_VERSION } from '../broker/message.ts';
import { CHORD_SIZE_OPTION } from '../canvas/canvas-keys.ts';
import type { Json } from '../json/json.ts';

/** Celery's default queue, exchange and routing key: what `protocol: 'celery'` consumes by default. */
export const CELERY_DEFAULT_QUEUE = 'celery';

/**
 * A task message as Celery's protocol 2 puts it on the wire: AMQP carries `properties` as message
 * properties, `headers` as the headers table and `body` as the payload; kombu's Redis transport
 * carries all three in its JSON envelope (the body base64-encoded).
 */
export interface CeleryWireMessage {
  headers: Record<string, Json>;
  properties: {
    correlation_id: string;
    reply_to: string;
    priority: number;
    delivery_mode: 2;
    content_type: 'application/json';
    content_encoding: 'utf-8';
  };
  /** JSON text of `[args, kwargs, embed]`. */
  body: string;
}

/** What a transport received, before it is known to be a task message. */
export interface ReceivedCeleryMessage {
  headers: unknown;
  /** AMQP message properties or kombu's `properties` (only `correlation_id` and `priority` are read). */
  properties?: unknown;
  /** The payload, decoded to text. */
  body: string;
  /** The queue it was consumed from. */
  queue: string;
  /** Celery's priority, when the transport carries it outside `properties` (AMQP). */
  priority?: number;
}

// Signature options Celeriac understands, camelCase ↔ Celery's snake_case. Anything else Celery
// puts there (reply_to, group_index, stamping…) has no meaning for a Celeriac producer.
const OPTION_NAMES: ReadonlyArray<readonly [celeriac: string, celery: string]> = [
  ['taskId', 'task_id'],
  ['countdown', 'countdown'],
  ['eta', 'eta'],
  ['expires', 'expires'],
  ['priority', 'priority'],
  ['queue', 'queue'],
  ['headers', 'headers'],
];

// Protocol-2 headers: mapped to the envelope's own fields, or (the last six) Celery bookkeeping that
// `toCeleryWire` writes afresh. Anything else is a user header and is carried as one.
const PROTOCOL_HEADERS: ReadonlySet<string> = new Set([
  'task',
  'id',
  'root_id',
  'parent_id',
  'group',
  'eta',
  'expires',
  'retries',
  'timelimit',
  'origin',
  'lang',
  'shadow',
  'group_index',
  'argsrepr',
  'kwargsrepr',
  'ignore_result',
]);

/** Celeriac's envelope → Celery protocol 2, as a Celery worker expects it. */
export function toCeleryWire(envelope: TaskEnvelope): CeleryWireMessage {
  const { version: _version, lang: _lang, ...headers } = envelope.headers;
  const [args, kwargs, embed] = envelope.body;
  return {
    headers: {
      ...headers,
      eta: celeryTimeOrNull(headers.eta),
      expires: celeryTimeOrNull(headers.expires),
      lang: 'js',
      shadow: null,
      group_index: null,
      argsrepr: JSON.stringify(args),
      kwargsrepr: JSON.stringify(kwargs),
      ignore_result: false,
    },
    properties: {
      correlation_id: envelope.headers.id,
      reply_to: '',
      priority: envelope.properties.priority,
      delivery_mode: 2,
      content_type: 'application/json',
      content_encoding: 'utf-8',
    },
    body: JSON.stringify([args, kwargs, embedToCelery(embed)]),
  };
}

/**
 * A Celery protocol-2 message → Celeriac's envelope. Throws with a reason fit for a dead letter when
 * it is not one (protocol 1, no task name, a body that is not `[args, kwargs, embed]`).
 */
export function fromCeleryWire(message: ReceivedCeleryMessage): TaskEnvelope {
  const headers = message.headers;
  const h = isObject(headers) ? (headers as Record<string, Json>) : {};
  if (typeof h.task !== 'string' || h.task === '') {
    // Protocol 1 carries the task in the body, with an empty (or no) headers table.
    if (!isObject(headers) || isProtocol1(message.body)) {
      throw new Error('Celery message has no task headers (protocol 1 is not supported: send with task_protocol=2)');
    }
    throw new Error('Celery message headers have no task name');
  }
  if (typeof h.id !== 'string' || h.id === '') throw new Error('Celery message headers have no task id');
  let payload: unknown;
  try {
    payload = JSON.parse(message.body);
  } catch (error) {
    throw new Error(
      `Celery message body is not JSON (${(error as Error).message}); only the json serializer is supported`,
    );
  }
  if (!Array.isArray(payload) || !Array.isArray(payload[0])) {
    throw new Error('Celery message body is not [args, kwargs, embed]');
  }
  const kwargs = isObject(payload[1]) ? (payload[1] as Record<string, Json>) : {};
  const embed = embedFromCelery(payload[2]);
  if (embed.chord !== null && h.lang !== 'js') {
    // Celery counts a chord's members in its own result keys, which Celeriac workers do not keep.
    throw new Error(
      `Celery message ${h.id} is a chord member sent by Celery (lang ${JSON.stringify(h.lang ?? null)}); chords do not cross languages: run them on Python workers`,
    );
  }
  const extra: Record<string, Json> = {};
  for (const [key, value] of Object.entries(h)) {
    if (!PROTOCOL_HEADERS.has(key)) extra[key] = value;
  }
  const timelimit = Array.isArray(h.timelimit) ? h.timelimit : [null, null];
  const properties = isObject(message.properties) ? (message.properties as Record<string, Json>) : {};
  const priority = message.priority ?? (typeof properties.priority === 'number' ? properties.priority : 0);
  return {
    headers: {
      ...extra,
      lang: 'js',
      task: h.task,
      id: h.id,
      root_id: typeof h.root_id === 'string' && h.root_id !== '' ? h.root_id : h.id,
      parent_id: typeof h.parent_id === 'string' ? h.parent_id : null,
      group: typeof h.group === 'string' ? h.group : null,
      eta: isoOrNull(h.eta),
      expires: isoOrNull(h.expires),
      retries: typeof h.retries === 'number' ? h.retries : 0,
      timelimit: [numberOrNull(timelimit[0]), numberOrNull(timelimit[1])],
      origin: typeof h.origin === 'string' ? h.origin : 'celery',
      version: ENVELOPE_VERSION,
    },
    properties: {
      correlation_id: h.id,
      content_type: 'application/json',
      content_encoding: 'utf-8',
      priority: Math.max(0, Math.min(9, Math.trunc(priority))),
      delivery_info: { routing_key: message.queue },
    },
    body: [payload[0] as Json[], kwargs, embed],
  };
}

function embedToCelery(embed: Embed): Record<string, Json> {
  return {
    callbacks: embed.callbacks?.map(signatureToCelery) ?? null,
    errbacks: embed.errbacks?.map(signatureToCelery) ?? null,
    chain: embed.chain?.map(signatureToCelery) ?? null,
    chord: embed.chord === null ? null : signatureToCelery(embed.chord),
  };
}

function embedFromCelery(value: unknown): Embed {
  const embed = isObject(value) ? (value as Record<string, unknown>) : {};
  const list = (items: unknown): SignatureJson[] | null =>
    Array.isArray(items) && items.length > 0 ? items.map(signatureFromCelery) : null;
  return {
    callbacks: list(embed.callbacks),
    errbacks: list(embed.errbacks),
    chain: list(embed.chain),
    chord: isObject(embed.chord) ? signatureFromCelery(embed.chord) : null,
  };
}

/** Celery's signature dict (what `Signature.from_dict` reads). */
export function signatureToCelery(signature: SignatureJson): Json {
  const options: Record<string, Json> = {};
  for (const [celeriac, celery] of OPTION_NAMES) {
    const value = signature.options[celeriac];
    if (value !== undefined) options[celery] = value;
  }
  const chordSize = signature.options[CHORD_SIZE_OPTION];
  return {
    task: signature.task,
    args: signature.args,
    kwargs: signature.kwargs,
    options,
    subtask_type: null,
    immutable: signature.immutable,
    chord_size: typeof chordSize === 'number' ? chordSize : null,
  };
}

export function signatureFromCelery(value: unknown): SignatureJson {
  if (!isObject(value) || typeof (value as { task?: unknown }).task !== 'string') {
    throw new Error('Celery message embeds a signature without a task name');
  }
  const sig = value as Record<string, unknown>;
  if (sig.subtask_type !== null && sig.subtask_type !== undefined) {
    throw new Error(
      `Celery message embeds a ${String(sig.subtask_type)} signature; only plain task signatures cross to Celeriac`,
    );
  }
  const celeryOptions = isObject(sig.options) ? (sig.options as Record<string, Json>) : {};
  const options: Record<string, Json> = {};
  for (const [celeriac, celery] of OPTION_NAMES) {
    const option = celeryOptions[celery];
    if (option !== undefined && option !== null) options[celeriac] = option;
  }
  if (typeof sig.chord_size === 'number') options[CHORD_SIZE_OPTION] = sig.chord_size;
  return {
    task: sig.task as string,
    args: Array.isArray(sig.args) ? (sig.args as Json[]) : [],
    kwargs: isObject(sig.kwargs) ? (sig.kwargs as Record<string, Json>) : {},
    options,
    immutable: sig.immutable === true,
  };
}

function isProtocol1(body: string): boolean {
  try {
    const parsed = JSON.parse(body) as unknown;
    return isObject(parsed) && typeof (parsed as { task?: unknown }).task === 'string';
  } catch {
    return false;
  }
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' ? value : null;
}

function isoOrNull(value: unknown): string | null {
  if (typeof value !== 'string' || value === '') return null;
  const iso = celeryTimeToIso(value);
  if (iso === undefined) throw new Error(`Celery message has an unreadable time ${JSON.stringify(value)}`);
  return iso;
}

/**
 * Celery writes naive UTC times (`utcnow().isoformat()`) where no zone was given: read them as UTC.
 * Microseconds are rounded up to the next millisecond, so an eta read here is never early.
 */
export function celeryTimeToIso(value: string): string | undefined {
  const zoned = /(?:Z|[+-]\d\d:?\d\d)$/i.test(value) ? value : `${value}Z`;
  const time = Date.parse(zoned);
  if (Number.isNaN(time)) return undefined;
  const subMillisecond = /\.\d{3}(\d+)/.exec(value)?.[1];
  const roundUp = subMillisecond !== undefined && /[1-9]/.test(subMillisecond) ? 1 : 0;
  return new Date(time + roundUp).toISOString();
}

/**
 * An ISO-8601 time as Python's `datetime.isoformat()` writes it (`…T11:14:09.831000+00:00`):
 * Celery's own ISO parser reads a three-digit fraction as microseconds, so `.831Z` would be 831 µs.
 */
export function isoToCeleryTime(iso: string): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) throw new Error(`not an ISO-8601 time: ${JSON.stringify(iso)}`);
  return `${new Date(time).toISOString().slice(0, 23)}000+00:00`;
}

function celeryTimeOrNull(value: Json | undefined): string | null {
  return typeof value === 'string' && value !== '' ? isoToCeleryTime(value) : null;
}
