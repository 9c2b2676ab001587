import type { SessionStore } from './session-store.ts';

/** What the storage knows about one uploaded file. */
export interface UploadMeta {
  /** The upload id: a UUID unless the caller chose one. */
  id: string;
  /** The name the file had when uploaded (used for type detection and in answers' sources). */
  filename: string;
  /** Size in bytes. */
  size: number;
  /** MIME type as the client declared it (`application/octet-stream` when unknown); a hint only. */
  mimeType: string;
  /** ISO-8601 time of the upload. */
  createdAt: string;
  /** The task currently processing this upload, so `documents.retry` can revoke it. */
  attempt?: { taskId: string; at: string };
}

/** A file to save: its bytes at once, or a stream of chunks (e.g. a multipart upload). */
export interface SaveUploadInput {
  filename: string;
  mimeType?: string;
  data: Uint8Array | AsyncIterable<Uint8Array>;
  /** Choose the id instead of a random UUID. */
  id?: string;
  /**
   * Refuse files larger than this many bytes while they stream in (`FileTooLargeError`), keeping
   * nothing. @default the storage's own `maxBytes`, else no limit
   */
  maxBytes?: number;
}

/**
 * Where uploads live between the web request that receives them and the worker that processes
 * them. Every process of a deployment (web service and workers) must see the same storage.
 */
export interface UploadStorage {
  save(input: SaveUploadInput): Promise<UploadMeta>;
  /** The upload's metadata, or `undefined` when there is none. */
  meta(uploadId: string): Promise<UploadMeta | undefined>;
  /** The upload's bytes; throws `UploadNotFoundError` when there is none. */
  read(uploadId: string): Promise<Uint8Array>;
  /** Every upload, oldest first. */
  list(): Promise<UploadMeta[]>;
  /** Remove the upload; `false` when there was none. */
  delete(uploadId: string): Promise<boolean>;
  /** Record the task now processing the upload (the latest call wins). */
  setAttempt(uploadId: string, taskId: string): Promise<void>;
  /** Where chat sessions are kept, when this storage keeps them too. */
  readonly sessions?: SessionStore;
}
