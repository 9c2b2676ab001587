import { AttemptSupersededError } from '../errors/attempt-superseded.ts';
import type { UploadMeta, UploadStorage } from '../storage/upload-storage.ts';
import type { StoredChunk, VectorStore } from '../vector-store/vector-store.ts';
import type { PagedChunk } from './chunk.ts';
import { runStage, type StageContext } from './stage-context.ts';

/**
 * Stage 5: replace the upload's chunks in the vector store, unless this attempt was revoked or
 * another attempt took the upload over (`documents.retry`) — then nothing is written. The
 * replace itself is atomic, so whichever attempt writes last, the store holds one attempt's chunks.
 */
export function storeStage(
  vectorStore: VectorStore,
  storage: UploadStorage,
  meta: UploadMeta,
  chunks: readonly PagedChunk[],
  vectors: readonly number[][],
  model: string,
  context: StageContext,
): Promise<void> {
  return runStage('store', context, async () => {
    await context.progress.report('store', 0, `Storing ${chunks.length} chunks`);
    const current = (await storage.meta(context.uploadId))?.attempt?.taskId;
    context.signal.throwIfAborted();
    if (current !== context.attempt) throw new AttemptSupersededError(context.uploadId, current);
    const stored: StoredChunk[] = chunks.map((chunk, i) => ({
      uploadId: context.uploadId,
      attempt: context.attempt,
      filename: meta.filename,
      model,
      chunkIndex: chunk.index,
      text: chunk.text,
      start: chunk.start,
      end: chunk.end,
      ...(chunk.page === undefined ? {} : { page: chunk.page }),
      embedding: vectors[i] as number[],
    }));
    await vectorStore.replace(context.uploadId, stored);
    await context.progress.report('store', 1, `Stored ${chunks.length} chunks`);
  });
}
