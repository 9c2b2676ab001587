import { CeleriacError } from './celeriac-error.ts';

/** The error a task raised, as stored by the worker: enough to rebuild it on another machine. */
export interface RemoteError {
  name: string;
  message: string;
  stack?: string;
}

/** `AsyncResult.get()` rejects with this when the task ended in FAILURE. */
export class TaskFailedError extends CeleriacError {
  readonly remote: RemoteError;
  readonly taskId: string;

  constructor(taskId: string, remote: RemoteError) {
    super('TASK_FAILED', `Task ${taskId} failed: ${remote.name}: ${remote.message}`);
    this.taskId = taskId;
    this.remote = remote;
  }
}

/** `AsyncResult.get()` rejects with this when the task was revoked (or expired before it ran). */
export class TaskRevokedError extends CeleriacError {
  readonly taskId: string;

  constructor(taskId: string, reason = 'revoked') {
    super('TASK_REVOKED', `Task ${taskId} was ${reason}.`);
    this.taskId = taskId;
  }
}

/** A message named a task that no registered handler on this worker knows. */
export class UnknownTaskError extends CeleriacError {
  readonly taskName: string;

  constructor(taskName: string, detail: string) {
    super('UNKNOWN_TASK', `Unknown task "${taskName}": ${detail}`);
    this.taskName = taskName;
  }
}

/** Raised inside a task when its hard time limit passes. */
export class TimeLimitExceeded extends CeleriacError {
  constructor(seconds: number) {
    super('TIME_LIMIT', `Task exceeded its hard time limit of ${seconds} s.`);
  }
}

/** The reason `ctx.signal` is aborted with when the soft time limit passes; a task may catch it. */
export class SoftTimeLimitExceeded extends CeleriacError {
  constructor(seconds: number) {
    super('SOFT_TIME_LIMIT', `Task exceeded its soft time limit of ${seconds} s.`);
  }
}

/** The task ran out of retries; `cause` is the last error. */
export class MaxRetriesExceededError extends CeleriacError {
  constructor(taskName: string, maxRetries: number, options?: { cause?: unknown }) {
    super('MAX_RETRIES', `Task ${taskName} exceeded its maxRetries (${maxRetries}).`, options);
  }
}

/** The thread (or process) running a task died before the task finished. */
export class WorkerLostError extends CeleriacError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super('WORKER_LOST', `The thread running the task died: ${detail}`, options);
  }
}

/** Shutdown reason given to `ctx.signal` of tasks still running at a cold shutdown. */
export class WorkerShutdown extends Error {
  constructor() {
    super('The worker is shutting down.');
    this.name = 'WorkerShutdown';
  }
}
