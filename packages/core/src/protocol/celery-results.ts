import type { ResultRecord } from '../backend/result-backend.ts';
import type { RemoteError } from '../errors/task-errors.ts';
import type { Json } from '../json/json.ts';
import type { TaskState } from '../result/states.ts';
import { celeryTimeToIso, isoToCeleryTime } from './celery-wire.ts';

/** The key (and pub/sub channel) under which Celery's key-value backends keep a task's result. */
export function celeryResultKey(taskId: string): string {
  return `celery-task-meta-${taskId}`;
}

// Python builtins a JavaScript error name maps onto, so `except TypeError` works on the Python side.
const PYTHON_BUILTINS = new Set([
  'ArithmeticError',
  'AssertionError',
  'AttributeError',
  'Exception',
  'IndexError',
  'KeyError',
  'LookupError',
  'NotImplementedError',
  'OSError',
  'OverflowError',
  'RuntimeError',
  'TimeoutError',
  'TypeError',
  'ValueError',
  'ZeroDivisionError',
]);

const CELERY_EXCEPTIONS = new Set([
  'TaskRevokedError',
  'TimeLimitExceeded',
  'SoftTimeLimitExceeded',
  'Retry',
  'Reject',
  'MaxRetriesExceededError',
  'WorkerLostError',
]);

// Celeriac errors whose Celery counterpart has another name (in celery.exceptions), both ways.
const TO_CELERY_NAMES: ReadonlyMap<string, string> = new Map([['UnknownTaskError', 'NotRegistered']]);
const FROM_CELERY_NAMES: ReadonlyMap<string, string> = new Map(
  [...TO_CELERY_NAMES].map(([celeriac, celery]) => [celery, celeriac]),
);

/** An error as Celery's JSON result backend stores it (`exception_to_python` reads it back). */
export interface CeleryException {
  exc_type: string;
  exc_message: Json[];
  exc_module: string | null;
}

/**
 * A Celeriac error → the exception Celery stores: Python's builtins (`except ValueError` works in
 * Python) and Celery's own exceptions under their modules (`UnknownTaskError` is Celery's
 * `NotRegistered`), any other name as a class Celery makes up on reading.
 */
export function errorToCelery(error: RemoteError): CeleryException {
  const renamed = TO_CELERY_NAMES.get(error.name);
  if (renamed !== undefined)
    return { exc_type: renamed, exc_message: [error.message], exc_module: 'celery.exceptions' };
  // A name Python cannot use as a class name would make Celery raise SecurityError on reading.
  const name = /^[A-Za-z_][A-Za-z0-9_]*$/.test(error.name) ? error.name : 'Exception';
  let module: string | null = null;
  if (PYTHON_BUILTINS.has(name)) module = 'builtins';
  else if (CELERY_EXCEPTIONS.has(name)) module = 'celery.exceptions';
  return { exc_type: name, exc_message: [error.message], exc_module: module };
}

/** Celery's stored exception → a Celeriac remote error (`NotRegistered` reads as `UnknownTaskError`). */
export function errorFromCelery(value: unknown, traceback: unknown): RemoteError {
  if (typeof value !== 'object' || value === null) {
    return {
      name: 'Exception',
      message: String(value),
      ...(typeof traceback === 'string' ? { stack: traceback } : {}),
    };
  }
  const exc = value as Partial<CeleryException>;
  const args = exc.exc_message;
  const message = Array.isArray(args)
    ? args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(', ')
    : String(args ?? '');
  const name = typeof exc.exc_type === 'string' ? exc.exc_type : 'Exception';
  return {
    name: (exc.exc_module === 'celery.exceptions' ? FROM_CELERY_NAMES.get(name) : undefined) ?? name,
    message,
    ...(typeof traceback === 'string' ? { stack: traceback } : {}),
  };
}

/**
 * A Celeriac result record → Celery's result meta (`result_extended` fields included, so Flower and
 * `AsyncResult.name/args` work on the Python side).
 */
export function recordToCelery(record: ResultRecord): Record<string, Json> {
  let result: Json = null;
  let traceback: string | null = null;
  switch (record.state) {
    case 'SUCCESS':
      result = record.result ?? null;
      break;
    case 'FAILURE':
    case 'RETRY': {
      // Python raises the stored exception on FAILURE: one with no error still needs one to raise.
      const error =
        record.error ?? (record.state === 'FAILURE' ? { name: 'Exception', message: 'unknown error' } : undefined);
      if (error !== undefined) {
        result = errorToCelery(error) as unknown as Json;
        traceback = error.stack ?? null;
      }
      break;
    }
    case 'REVOKED':
      result = errorToCelery({
        name: 'TaskRevokedError',
        message: record.error?.message ?? 'revoked',
      }) as unknown as Json;
      break;
    default:
      result = record.meta ?? null;
  }
  return {
    status: record.state,
    result,
    traceback,
    children: (record.children ?? []).map((id) => [[id, null], null]),
    // Six fraction digits and +00:00: Celery's ISO parser reads `.777` as microseconds, and Python
    // 3.10's `datetime.fromisoformat` rejects a trailing Z.
    date_done: record.dateDone === null ? null : isoToCeleryTime(record.dateDone),
    task_id: record.taskId,
    name: record.name,
    args: record.args ?? null,
    kwargs: null,
    worker: record.worker ?? null,
    retries: record.retries,
    queue: record.queue ?? null,
    ...(record.parentId ? { parent_id: record.parentId } : {}),
    ...(record.groupId ? { group_id: record.groupId } : {}),
  };
}

const STATES = new Set<TaskState>([
  'PENDING',
  'RECEIVED',
  'STARTED',
  'PROGRESS',
  'RETRY',
  'SUCCESS',
  'FAILURE',
  'REVOKED',
]);

/** Celery's result meta → a Celeriac record. Throws when it is not a meta object. */
export function recordFromCelery(taskId: string, value: unknown): ResultRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`Celery result ${celeryResultKey(taskId)} is not an object`);
  }
  const meta = value as Record<string, Json>;
  const status = typeof meta.status === 'string' ? meta.status : 'PENDING';
  // Celery's custom states (`update_state(state='PROGRESS')` and the like) carry their meta as result.
  const state: TaskState = STATES.has(status as TaskState) ? (status as TaskState) : 'PROGRESS';
  const record: ResultRecord = {
    taskId,
    name: typeof meta.name === 'string' ? meta.name : null,
    state,
    retries: typeof meta.retries === 'number' ? meta.retries : 0,
    dateDone: typeof meta.date_done === 'string' ? (celeryTimeToIso(meta.date_done) ?? null) : null,
  };
  if (state === 'SUCCESS') record.result = meta.result ?? null;
  else if (state === 'FAILURE' || state === 'RETRY' || state === 'REVOKED') {
    // A RETRY stored without its exception (result null) has no error to report.
    if (state !== 'RETRY' || (meta.result !== null && meta.result !== undefined)) {
      record.error = errorFromCelery(meta.result, meta.traceback);
    }
  } else if (meta.result !== null && meta.result !== undefined) record.meta = meta.result;
  if (Array.isArray(meta.args)) record.args = meta.args;
  if (typeof meta.queue === 'string') record.queue = meta.queue;
  if (typeof meta.worker === 'string') record.worker = meta.worker;
  if (typeof meta.parent_id === 'string') record.parentId = meta.parent_id;
  if (typeof meta.group_id === 'string') record.groupId = meta.group_id;
  if (Array.isArray(meta.children)) {
    record.children = meta.children.flatMap((child) => {
      const id = Array.isArray(child) && Array.isArray(child[0]) ? child[0][0] : undefined;
      return typeof id === 'string' ? [id] : [];
    });
  }
  return record;
}
