import type { Celeriac, Json, TaskState } from '@celeriac/core';
import { DOCUMENT_TASKS, parseStageFailure, type UploadStorage } from '@celeriac/pipeline-documents';

/** One SSE `data:` payload of `GET /uploads/:id/events`. */
export interface UploadEvent {
  upload_id: string;
  task_id: string;
  state: TaskState;
  stage: string | null;
  message: string;
  /** 0–100 over the whole pipeline. */
  progress: number;
}

/** An event with its per-upload sequence number (the SSE `id:`). */
export interface NumberedEvent {
  id: number;
  data: UploadEvent;
}

type Listener = (event: NumberedEvent) => void;

interface UploadHistory {
  nextId: number;
  /** The attempt the history is about: a new attempt starts a new history. */
  taskId: string | null;
  entries: NumberedEvent[];
  listeners: Set<Listener>;
}

/** Whether the event ends an upload's stream. */
export function isFinal(event: UploadEvent): boolean {
  return event.state === 'SUCCESS' || event.state === 'FAILURE';
}

function metaOf(meta: Json): { uploadId?: string; stage?: string; message?: string; progress?: number } {
  return meta !== null && typeof meta === 'object' && !Array.isArray(meta) ? (meta as never) : {};
}

/**
 * The progress history of each upload's current attempt, built from the cluster's task events
 * (`app.events`, so it works the same when the workers run in other processes), for SSE replay
 * and live streaming. Bounded: the oldest uploads are forgotten past `maxUploads`; a forgotten or
 * never-seen upload is rebuilt from the result backend by `snapshot()`.
 */
export class UploadEventLog {
  readonly #uploads = new Map<string, UploadHistory>();
  readonly #taskToUpload = new Map<string, string>();
  readonly #maxUploads: number;
  readonly #maxEntries: number;
  readonly #detach: () => void;

  constructor(app: Celeriac, options: { maxUploads?: number; maxEntriesPerUpload?: number } = {}) {
    this.#maxUploads = options.maxUploads ?? 1000;
    this.#maxEntries = options.maxEntriesPerUpload ?? 1000;
    const events = app.events;
    const onSent = (e: { taskId: string; name: string; args: Json[] }) => {
      const uploadId = e.args[0];
      if (e.name === DOCUMENT_TASKS.process && typeof uploadId === 'string') {
        this.track(uploadId, e.taskId);
        this.#push(e.taskId, 'PENDING', null, 'Queued', 0);
      }
    };
    const onStarted = (e: { taskId: string }) => this.#push(e.taskId, 'STARTED', null, 'Started', undefined);
    const onProgress = (e: { taskId: string; name: string; state: string; meta: Json }) => {
      if (e.name !== DOCUMENT_TASKS.process) return;
      const meta = metaOf(e.meta);
      if (typeof meta.uploadId === 'string' && !this.#taskToUpload.has(e.taskId)) this.track(meta.uploadId, e.taskId);
      this.#push(e.taskId, 'PROGRESS', meta.stage ?? null, meta.message ?? '', meta.progress);
    };
    const onRetried = (e: { taskId: string; error: { name: string; message: string } }) =>
      this.#push(e.taskId, 'RETRY', null, `Retrying: ${parseStageFailure(e.error).reason}`, undefined);
    const onSucceeded = (e: { taskId: string }) => this.#push(e.taskId, 'SUCCESS', 'done', 'Done', 100);
    const onFailed = (e: { taskId: string; error: { name: string; message: string } }) => {
      const failure = parseStageFailure(e.error);
      this.#push(e.taskId, 'FAILURE', failure.stage ?? null, `${failure.name}: ${failure.reason}`, undefined);
    };
    const onRevoked = (e: { taskId: string; reason: string }) =>
      this.#push(e.taskId, 'REVOKED', null, `Revoked: ${e.reason}`, undefined);
    events.on('task-sent', onSent);
    events.on('task-started', onStarted);
    events.on('task-progress', onProgress);
    events.on('task-retried', onRetried);
    events.on('task-succeeded', onSucceeded);
    events.on('task-failed', onFailed);
    events.on('task-revoked', onRevoked);
    this.#detach = () => {
      events.off('task-sent', onSent);
      events.off('task-started', onStarted);
      events.off('task-progress', onProgress);
      events.off('task-retried', onRetried);
      events.off('task-succeeded', onSucceeded);
      events.off('task-failed', onFailed);
      events.off('task-revoked', onRevoked);
    };
  }

  /** Record that `taskId` is the upload's current attempt (a new attempt starts a new history). */
  track(uploadId: string, taskId: string): void {
    this.#taskToUpload.set(taskId, uploadId);
    const history = this.#history(uploadId);
    if (history.taskId !== taskId) {
      history.taskId = taskId;
      history.entries = [];
    }
  }

  /** The current attempt's events after `afterId` (all of them by default). */
  replay(uploadId: string, afterId = 0): NumberedEvent[] {
    return (this.#uploads.get(uploadId)?.entries ?? []).filter((entry) => entry.id > afterId);
  }

  /** Whether the log has seen the upload's current attempt. */
  knows(uploadId: string): boolean {
    return (this.#uploads.get(uploadId)?.taskId ?? null) !== null;
  }

  /** Call `listener` with every new event of the upload; returns the unsubscribe function. */
  subscribe(uploadId: string, listener: Listener): () => void {
    const history = this.#history(uploadId);
    history.listeners.add(listener);
    return () => history.listeners.delete(listener);
  }

  /**
   * The upload's current state from the result backend, for an upload whose events this process
   * did not see (the web service restarted, or the log forgot it): `undefined` when never started.
   */
  async snapshot(app: Celeriac, storage: UploadStorage, uploadId: string): Promise<UploadEvent | undefined> {
    const taskId = (await storage.meta(uploadId))?.attempt?.taskId;
    if (taskId === undefined) return undefined;
    const result = app.result(taskId);
    const state = await result.state();
    const info = await result.info();
    const base = { upload_id: uploadId, task_id: taskId, state };
    if (state === 'SUCCESS') return { ...base, stage: 'done', message: 'Done', progress: 100 };
    if (state === 'FAILURE' && info !== null && typeof info === 'object' && 'message' in info) {
      const failure = parseStageFailure(info as { name: string; message: string });
      return { ...base, stage: failure.stage ?? null, message: `${failure.name}: ${failure.reason}`, progress: 0 };
    }
    const meta = state === 'PROGRESS' ? metaOf(info as Json) : {};
    return { ...base, stage: meta.stage ?? null, message: meta.message ?? state, progress: meta.progress ?? 0 };
  }

  close(): void {
    this.#detach();
  }

  #history(uploadId: string): UploadHistory {
    let history = this.#uploads.get(uploadId);
    if (history === undefined) {
      history = { nextId: 1, taskId: null, entries: [], listeners: new Set() };
      this.#uploads.set(uploadId, history);
      this.#evict();
    }
    return history;
  }

  #evict(): void {
    for (const [uploadId, history] of this.#uploads) {
      if (this.#uploads.size <= this.#maxUploads) return;
      if (history.listeners.size > 0) continue;
      this.#uploads.delete(uploadId);
      if (history.taskId !== null) this.#taskToUpload.delete(history.taskId);
    }
  }

  #push(taskId: string, state: TaskState, stage: string | null, message: string, progress: number | undefined): void {
    const uploadId = this.#taskToUpload.get(taskId);
    if (uploadId === undefined) return;
    const history = this.#uploads.get(uploadId);
    // Events of a superseded attempt (e.g. its revocation) do not belong in the new attempt's history.
    if (history === undefined || history.taskId !== taskId) return;
    const last = history.entries.at(-1)?.data;
    if (last !== undefined && isFinal(last)) return;
    const data: UploadEvent = {
      upload_id: uploadId,
      task_id: taskId,
      state,
      stage: stage ?? last?.stage ?? null,
      message,
      progress: progress ?? last?.progress ?? 0,
    };
    const entry = { id: history.nextId++, data };
    history.entries.push(entry);
    if (history.entries.length > this.#maxEntries) history.entries.splice(1, history.entries.length - this.#maxEntries);
    for (const listener of history.listeners) listener(entry);
  }
}
