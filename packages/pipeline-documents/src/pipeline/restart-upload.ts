import { randomUUID } from 'node:crypto';
import { type AsyncResult, type Celeriac, isReadyState, type Task } from '@celeriac/core';
import { UploadNotFoundError } from '../errors/upload-not-found.ts';
import type { UploadStorage } from '../storage/upload-storage.ts';
import type { ProcessResult } from './process-document.ts';

/** The outcome of starting (or restarting) an upload's processing. */
export interface StartedAttempt {
  /** The previous attempt's task id, when it was still queued or running and got revoked. */
  revoked: string | null;
  result: AsyncResult<ProcessResult>;
}

/**
 * Send `documents.process` for an upload under a fresh task id recorded as the upload's current
 * attempt first, so a later retry can find and revoke it even before it starts. With `revokeRunning`,
 * the previous attempt (queued, waiting to retry, or running) is revoked with terminate: its
 * `ctx.signal` aborts, it stops at the next check and stores nothing.
 */
export async function startAttempt(
  app: Celeriac,
  storage: UploadStorage,
  processTask: Task<[uploadId: string], ProcessResult>,
  uploadId: string,
  options: { revokeRunning: boolean },
): Promise<StartedAttempt> {
  const meta = await storage.meta(uploadId);
  if (meta === undefined) throw new UploadNotFoundError(uploadId);
  const previous = meta.attempt?.taskId;
  const taskId = randomUUID();
  await storage.setAttempt(uploadId, taskId);
  let revoked: string | null = null;
  if (options.revokeRunning && previous !== undefined) {
    const state = app.resultsEnabled ? await app.result(previous).state() : 'PENDING';
    if (!isReadyState(state)) {
      await app.control.revoke(previous, { terminate: true });
      revoked = previous;
    }
  }
  const result = await processTask.applyAsync([uploadId], { taskId });
  return { revoked, result };
}
