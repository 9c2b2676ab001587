import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { workerData } from 'node:worker_threads';
import { coerceError } from '../errors/coerce-error.ts';
import { Reject, Retry } from '../errors/signals.ts';
import type { Json } from '../json/json.ts';
import { AUTORETRY } from './retry.ts';

/**
 * The messages between the threads pool (main thread) and its threads. Runs, aborts and replies go
 * to a thread; results, state updates and log lines come back. Errors cross as plain data and are
 * rebuilt on the other side, since classes do not survive structured clone.
 */

/** `workerData` of a pool thread. */
export interface ThreadData {
  /** Marks a threads-pool thread (see `isPoolThread()`). */
  readonly celeriacPoolThread: true;
  /** URL of the module that defines the app's tasks. */
  readonly module: string;
  /** The module as the user named it, for messages. */
  readonly moduleName: string;
  readonly hostname: string;
}

/** An error as data. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
}

/** What a handler threw, as data: a `Retry`, a `Reject`, or any other error. */
export type SerializedThrown =
  | (SerializedError & { kind: 'error' /** The thread's `autoretryFor` matched. */; autoretry: boolean })
  | (SerializedError & { kind: 'retry'; countdown?: number /** Epoch ms. */; eta?: number; error?: SerializedError })
  | (SerializedError & { kind: 'reject'; requeue: boolean });

/** The task's context fields a thread rebuilds its `ctx` from. */
export interface RunRequest {
  taskId: string;
  name: string;
  args: readonly Json[];
  kwargs: Readonly<Record<string, Json>>;
  headers: Readonly<Record<string, Json>>;
  retries: number;
  queue: string;
  rootId: string;
  parentId: string | null;
  groupId: string | null;
  hostname: string;
  redelivered: boolean;
}

/** A `ctx.progress()` or `ctx.updateState()` call made in a thread. */
export type StateCall =
  | { kind: 'progress'; percent: number; meta: Record<string, Json> }
  | { kind: 'update'; state: string; meta: Json };

/** Main thread → pool thread. */
export type ToThread =
  | {
      type: 'run';
      runId: number;
      request: RunRequest;
      /** Level of the main side's `ctx.log`: lines below it are not sent. */
      logLevel: string;
      /** Set when `ctx.signal` was aborted before the run reached the thread. */
      abortReason?: SerializedError;
    }
  | { type: 'abort'; runId: number; reason: SerializedError }
  | { type: 'reply'; callId: number; error?: SerializedError };

/** Pool thread → main thread. */
export type FromThread =
  | { type: 'ready' }
  | { type: 'load-failed'; error: SerializedError }
  | { type: 'done'; runId: number; value: unknown }
  | { type: 'failed'; runId: number; error: SerializedThrown }
  | { type: 'state'; runId: number; callId: number; call: StateCall }
  | { type: 'log'; runId: number; level: number; msg: string | undefined; fields: Record<string, unknown> };

/** Turn anything thrown into a `SerializedError`. */
export function serializeError(thrown: unknown): SerializedError {
  const error = coerceError(thrown);
  const data: SerializedError = { name: error.name || 'Error', message: error.message };
  if (typeof error.stack === 'string') data.stack = error.stack;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') data.code = code;
  return data;
}

/** Rebuild a plain `Error` with the same name, message, stack and code. */
export function rebuildError(data: SerializedError): Error {
  const error = new Error(data.message);
  error.name = data.name;
  error.stack = data.stack ?? `${data.name}: ${data.message}`;
  if (data.code !== undefined) (error as Error & { code?: string }).code = data.code;
  return error;
}

/** What a handler threw in a thread, as the classes the executor recognises. */
export function rebuildThrown(data: SerializedThrown): Error {
  let error: Error;
  if (data.kind === 'retry') {
    error = new Retry({
      countdown: data.countdown,
      eta: data.eta === undefined ? undefined : new Date(data.eta),
      error: data.error === undefined ? undefined : rebuildError(data.error),
    });
  } else if (data.kind === 'reject') {
    error = new Reject(data.message, { requeue: data.requeue });
  } else {
    // The thread evaluated autoretryFor against its own classes; the executor trusts the marker.
    return Object.assign(rebuildError(data), { [AUTORETRY]: data.autoretry });
  }
  if (data.stack !== undefined) error.stack = data.stack;
  return error;
}

/** True inside a threads-pool thread (set through `workerData`, so it holds for every copy of core). */
export function isPoolThread(): boolean {
  return (
    typeof workerData === 'object' &&
    workerData !== null &&
    (workerData as Partial<ThreadData>).celeriacPoolThread === true
  );
}

/** The URL a thread imports for `module`: a URL as given, or a path resolved against the current directory. */
export function moduleUrl(module: string): string {
  // Two or more letters before the colon, so a Windows drive (C:\…) is read as a path.
  if (/^[a-z][a-z0-9+.-]+:/i.test(module)) return new URL(module).href;
  return pathToFileURL(resolve(process.cwd(), module)).href;
}

/** `module` for messages: as given, plus the resolved path when it differs. */
export function describeModule(module: string, url: string): string {
  const path = url.startsWith('file:') ? fileURLToPath(url) : url;
  return path === module ? module : `${module} (${path})`;
}
