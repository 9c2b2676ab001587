import type { Celeriac, ClusterEvent, TaskProgressEvent } from '@celeriac/core';
import {
  type ChatModel,
  type DocumentPipeline,
  type DocumentPipelineOptions,
  type DocumentProgress,
  type Embedder,
  FileVectorStore,
  LocalDirectoryStorage,
  LocalHashEmbedder,
  registerDocumentPipeline,
  type UploadMeta,
} from '../src/index.ts';
import { makeApp, readSample, recordEvents, tempDir } from './helpers.ts';

export interface Harness {
  app: Celeriac;
  pipeline: DocumentPipeline;
  storage: LocalDirectoryStorage;
  vectorStore: FileVectorStore;
  events: ClusterEvent[];
  /** Save a shipped sample (or given bytes) as an upload. */
  upload(name: string, bytes?: Uint8Array): Promise<UploadMeta>;
  /** The PROGRESS metas the cluster saw for a task, in order. */
  progressOf(taskId: string): DocumentProgress[];
}

/**
 * An app on its own memory broker with the pipeline registered and one in-process worker
 * consuming the pipeline's queues and the default queue. Close with `closeApps()`.
 */
export async function startPipeline(
  options: {
    embedder?: Embedder;
    chatModel?: ChatModel;
    maxFileBytes?: number;
    concurrency?: number;
    retry?: DocumentPipelineOptions['retry'];
  } = {},
): Promise<Harness> {
  const dir = await tempDir('e2e');
  const app = makeApp();
  const storage = new LocalDirectoryStorage(dir);
  const vectorStore = new FileVectorStore(`${dir}/vectors.json`);
  const pipeline = registerDocumentPipeline(app, {
    storage,
    vectorStore,
    embedder: options.embedder ?? new LocalHashEmbedder(),
    ...(options.chatModel === undefined ? {} : { chatModel: options.chatModel }),
    ...(options.maxFileBytes === undefined ? {} : { maxFileBytes: options.maxFileBytes }),
    retry: options.retry ?? { maxRetries: 3, retryBackoff: 0.05, retryBackoffMax: 1 },
  });
  const events = await recordEvents(app);
  await app
    .worker({
      queues: ['document_processing', 'chat_processing', 'default'],
      concurrency: options.concurrency ?? 2,
    })
    .start();
  return {
    app,
    pipeline,
    storage,
    vectorStore,
    events,
    upload: async (name, bytes) => storage.save({ filename: name, data: bytes ?? (await readSample(name)) }),
    progressOf: (taskId) =>
      events
        .filter((event): event is TaskProgressEvent => event.type === 'task-progress' && event.taskId === taskId)
        .map((event) => event.meta as unknown as DocumentProgress),
  };
}
