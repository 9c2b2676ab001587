import type { AppInternals } from '../app/internals.ts';
import type { ResultRecord } from '../backend/result-backend.ts';
import { TimeoutError } from '../errors/celeriac-error.ts';
import { TaskFailedError, TaskRevokedError } from '../errors/task-errors.ts';
import type { Json } from '../json/json.ts';
import { isReadyState, type TaskState } from './states.ts';

/** What `AsyncResult.info()` returns: the progress meta, the result, or the error, by state. */
export type ResultInfo = Json | { name: string; message: string; stack?: string } | null;

/** A handle on a task's state and result (Celery's `AsyncResult`). Reads are Promises. */
export class AsyncResult<Result = unknown> {
  readonly id: string;
  /** The previous task's result, for a chain link. */
  readonly parent: AsyncResult | undefined;
  readonly #app: AppInternals;

  constructor(app: AppInternals, id: string, parent?: AsyncResult) {
    this.#app = app;
    this.id = id;
    this.parent = parent;
  }

  /**
   * Wait for the task to finish and resolve to its result. Rejects with `TaskFailedError` (the remote
   * error's name, message and stack), `TaskRevokedError`, or `TimeoutError` after `timeout` ms.
   * Woken by the backend's notification, not by polling.
   */
  async get(options: { timeout?: number } = {}): Promise<Result> {
    const record = await this.wait(options.timeout);
    return this.#settle(record);
  }

  /** Wait until the task reaches a ready state and resolve to its record. */
  async wait(timeout?: number): Promise<ResultRecord> {
    const backend = await this.#app.backend();
    let resolveReady!: (record: ResultRecord) => void;
    const ready = new Promise<ResultRecord>((resolve) => {
      resolveReady = resolve;
    });
    // Watch first, then read: a result stored between the two is seen by one of them.
    const unsubscribe = await backend.watch(this.id, (record) => {
      if (isReadyState(record.state)) resolveReady(record);
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      const current = await backend.getResult(this.id);
      if (current !== null && isReadyState(current.state)) return current;
      if (timeout === undefined) return await ready;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(async () => {
          const state = await this.state().catch(() => 'unknown');
          reject(new TimeoutError(`Task ${this.id} did not finish within ${timeout} ms (state: ${state}).`));
        }, timeout);
      });
      return await Promise.race([ready, timedOut]);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      await unsubscribe();
    }
  }

  /** PENDING when the backend knows nothing of the task (not started yet, or unknown id). */
  async state(): Promise<TaskState> {
    return (await this.record())?.state ?? 'PENDING';
  }

  /** Progress meta while running, the result on success, the error on failure; null when pending. */
  async info(): Promise<ResultInfo> {
    const record = await this.record();
    if (record === null) return null;
    if (record.state === 'SUCCESS') return record.result ?? null;
    if (record.state === 'FAILURE' || record.state === 'RETRY') return record.error ?? null;
    return record.meta ?? null;
  }

  async ready(): Promise<boolean> {
    return isReadyState(await this.state());
  }

  async successful(): Promise<boolean> {
    return (await this.state()) === 'SUCCESS';
  }

  async failed(): Promise<boolean> {
    return (await this.state()) === 'FAILURE';
  }

  /** The whole stored record, or null. */
  async record(): Promise<ResultRecord | null> {
    return (await this.#app.backend()).getResult(this.id);
  }

  /** The task's log lines (oldest first), as written through `ctx.log`. */
  async logs(): Promise<string[]> {
    return (await this.#app.backend()).readLog(this.id);
  }

  /**
   * Revoke the task: skipped if it has not started; with `terminate: true`, aborted through
   * `ctx.signal` if it runs (and its thread terminated in the threads pool).
   */
  revoke(options: { terminate?: boolean } = {}): Promise<void> {
    return this.#app.revoke(this.id, options);
  }

  /** Delete the stored result. */
  async forget(): Promise<void> {
    await (await this.#app.backend()).forget(this.id);
  }

  toJSON(): { id: string } {
    return { id: this.id };
  }

  #settle(record: ResultRecord): Result {
    if (record.state === 'SUCCESS') return (record.result ?? null) as Result;
    if (record.state === 'REVOKED') throw new TaskRevokedError(this.id, record.error?.message ?? 'revoked');
    throw new TaskFailedError(this.id, record.error ?? { name: 'Error', message: 'unknown error' });
  }
}
