import type { Json } from '../json/json.ts';

/** Version of Celeriac's own additions to the protocol-2 envelope (the `version` header). */
export const ENVELOPE_VERSION = 1;

/** A signature as carried inside a message (callbacks, errbacks, chain links). */
export interface SignatureJson {
  task: string;
  args: Json[];
  kwargs: Record<string, Json>;
  options: Record<string, Json>;
  immutable: boolean;
}

/** Celery protocol 2's third body element. */
export interface Embed {
  callbacks: SignatureJson[] | null;
  errbacks: SignatureJson[] | null;
  /** Remaining chain, stored reversed as Celery does (next task last). */
  chain: SignatureJson[] | null;
  chord: SignatureJson | null;
}

/** Protocol-2 headers. Times are ISO-8601; `timelimit` is `[hard, soft]` seconds. */
export interface TaskHeaders {
  lang: 'js';
  task: string;
  id: string;
  root_id: string;
  parent_id: string | null;
  group: string | null;
  eta: string | null;
  expires: string | null;
  retries: number;
  timelimit: [number | null, number | null];
  origin: string;
  /** Celeriac's envelope version. */
  version: number;
  /** User headers from `applyAsync({ headers })`. */
  [custom: string]: Json;
}

/** The envelope core encodes into `OutgoingMessage.body`. */
export interface TaskEnvelope {
  headers: TaskHeaders;
  properties: {
    correlation_id: string;
    content_type: 'application/json';
    content_encoding: 'utf-8';
    priority: number;
    delivery_info: { routing_key: string };
  };
  body: [args: Json[], kwargs: Record<string, Json>, embed: Embed];
}

export const EMPTY_EMBED: Embed = Object.freeze({ callbacks: null, errbacks: null, chain: null, chord: null }) as Embed;

/** Parse a message body; throws with a reason suitable for a dead letter. */
export function decodeEnvelope(body: string): TaskEnvelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new Error(`message body is not JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null) throw new Error('message body is not an object');
  const { headers, body: payload, properties } = parsed as Partial<TaskEnvelope>;
  if (typeof headers !== 'object' || headers === null) throw new Error('message has no headers object');
  if (typeof headers.task !== 'string' || headers.task === '') throw new Error('message headers have no task name');
  if (typeof headers.id !== 'string' || headers.id === '') throw new Error('message headers have no task id');
  if (!Array.isArray(payload) || !Array.isArray(payload[0])) {
    throw new Error('message body is not [args, kwargs, embed]');
  }
  if (typeof properties !== 'object' || properties === null) throw new Error('message has no properties object');
  if (typeof headers.retries !== 'number') headers.retries = 0;
  if (typeof payload[1] !== 'object' || payload[1] === null || Array.isArray(payload[1])) payload[1] = {};
  if (typeof payload[2] !== 'object' || payload[2] === null) payload[2] = { ...EMPTY_EMBED };
  return parsed as TaskEnvelope;
}
