import { EmptyDocumentError } from '../errors/empty-document.ts';
import { FileTooLargeError } from '../errors/file-too-large.ts';
import { UploadNotFoundError } from '../errors/upload-not-found.ts';
import type { UploadMeta, UploadStorage } from '../storage/upload-storage.ts';
import { runStage, type StageContext } from './stage-context.ts';

/** An upload's metadata and bytes. */
export interface LoadedUpload {
  meta: UploadMeta;
  bytes: Uint8Array;
}

/**
 * Stage 1: find the upload, refuse it when it is over `maxFileBytes` (before reading a byte of it)
 * or empty, record this task as the upload's current attempt, and read it.
 */
export function loadStage(storage: UploadStorage, maxFileBytes: number, context: StageContext): Promise<LoadedUpload> {
  return runStage('load', context, async () => {
    await context.progress.report('load', 0, 'Loading the upload');
    const meta = await storage.meta(context.uploadId);
    if (meta === undefined) throw new UploadNotFoundError(context.uploadId);
    if (meta.size > maxFileBytes) throw new FileTooLargeError(meta.filename, meta.size, maxFileBytes);
    if (meta.size === 0) throw new EmptyDocumentError(meta.filename, 'is empty (0 bytes)', 'load');
    await storage.setAttempt(context.uploadId, context.attempt);
    const bytes = await storage.read(context.uploadId);
    if (bytes.byteLength > maxFileBytes) throw new FileTooLargeError(meta.filename, bytes.byteLength, maxFileBytes);
    await context.progress.report('load', 1, `Loaded ${meta.filename}`);
    return { meta, bytes };
  });
}
