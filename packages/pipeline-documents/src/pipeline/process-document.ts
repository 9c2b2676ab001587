import type { TaskContext } from '@celeriac/core';
import type { Chunker } from '../chunking/chunker.ts';
import type { Embedder } from '../embedder/embedder.ts';
import type { DocumentFormat } from '../extraction/detect-type.ts';
import type { Extractor } from '../extraction/extractor.ts';
import { chunkStage } from '../stages/chunk.ts';
import { embedStage } from '../stages/embed.ts';
import { extractStage } from '../stages/extract.ts';
import { loadStage } from '../stages/load.ts';
import { ProgressReporter } from '../stages/progress.ts';
import type { StageContext } from '../stages/stage-context.ts';
import { storeStage } from '../stages/store.ts';
import type { UploadStorage } from '../storage/upload-storage.ts';
import type { VectorStore } from '../vector-store/vector-store.ts';

/** The collaborators of `documents.process`. */
export interface ProcessDependencies {
  storage: UploadStorage;
  extractor: Extractor;
  chunker: Chunker;
  embedder: Embedder;
  vectorStore: VectorStore;
  maxFileBytes: number;
}

/** What `documents.process` returns. */
export interface ProcessResult {
  uploadId: string;
  filename: string;
  format: DocumentFormat;
  /** PDF pages, else null. */
  pages: number | null;
  characters: number;
  chunks: number;
  /** The embedder's model. */
  model: string;
  /** The task id of the attempt that stored the chunks. */
  attempt: string;
  /** Milliseconds spent in each stage. */
  timings: { load: number; extract: number; chunk: number; embed: number; store: number };
}

/** Time `fn`, adding the milliseconds to `timings[stage]`. */
async function timed<T>(
  timings: ProcessResult['timings'],
  stage: keyof ProcessResult['timings'],
  fn: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  try {
    return await fn();
  } finally {
    timings[stage] += Math.round(performance.now() - started);
  }
}

/** `documents.process`: load → extract → chunk → embed → store, reporting PROGRESS throughout. */
export async function processDocument(
  deps: ProcessDependencies,
  ctx: Pick<TaskContext, 'id' | 'signal' | 'updateState'>,
  uploadId: string,
): Promise<ProcessResult> {
  const context: StageContext = {
    uploadId,
    attempt: ctx.id,
    signal: ctx.signal,
    progress: new ProgressReporter(uploadId, (meta) => ctx.updateState('PROGRESS', meta)),
  };
  const timings = { load: 0, extract: 0, chunk: 0, embed: 0, store: 0 };
  const upload = await timed(timings, 'load', () => loadStage(deps.storage, deps.maxFileBytes, context));
  const document = await timed(timings, 'extract', () => extractStage(deps.extractor, upload, context));
  const chunks = await timed(timings, 'chunk', () => chunkStage(deps.chunker, document, context));
  const vectors = await timed(timings, 'embed', () => embedStage(deps.embedder, chunks, context));
  await timed(timings, 'store', () =>
    storeStage(deps.vectorStore, deps.storage, upload.meta, chunks, vectors, deps.embedder.model, context),
  );
  await context.progress.report('done', 1, `Processed ${upload.meta.filename}: ${chunks.length} chunks`);
  return {
    uploadId,
    filename: upload.meta.filename,
    format: document.format,
    pages: document.pages ?? null,
    characters: document.text.length,
    chunks: chunks.length,
    model: deps.embedder.model,
    attempt: ctx.id,
    timings,
  };
}
