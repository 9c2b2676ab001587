import { type Celeriac, ConfigError, type Task, type TaskContext, type TaskOptions } from '@celeriac/core';
import { type AnswerDependencies, answerQuestion, type ChatAnswer } from './chat/answer-question.ts';
import type { ChatModel } from './chat/chat-model.ts';
import { type Chunker, TextChunker } from './chunking/chunker.ts';
import type { Embedder } from './embedder/embedder.ts';
import { RetryableModelError } from './errors/model-errors.ts';
import { DocumentExtractor, type Extractor } from './extraction/extractor.ts';
import { type ProcessDependencies, type ProcessResult, processDocument } from './pipeline/process-document.ts';
import { type StartedAttempt, startAttempt } from './pipeline/restart-upload.ts';
import type { SessionStore } from './storage/session-store.ts';
import type { UploadStorage } from './storage/upload-storage.ts';
import type { VectorStore } from './vector-store/vector-store.ts';

/** 50 MiB: the default `maxFileBytes`. */
export const DEFAULT_MAX_FILE_BYTES: number = 50 * 1024 * 1024;
/** 7 days: the default age after which `cleanup.oldSessions` removes a session. */
export const DEFAULT_SESSION_MAX_AGE_SECONDS: number = 7 * 24 * 3600;

/** Names of the tasks `registerDocumentPipeline` registers. */
export const DOCUMENT_TASKS = {
  process: 'documents.process',
  retry: 'documents.retry',
  answer: 'chat.answer',
  cleanup: 'cleanup.oldSessions',
} as const;

/** Options of `registerDocumentPipeline`. */
export interface DocumentPipelineOptions {
  /** Where uploads are (shared by the web service and every worker). */
  storage: UploadStorage;
  /** Where chunks and vectors go: `FileVectorStore` (one process) or `PostgresVectorStore` (many). */
  vectorStore: VectorStore;
  /** `createEmbedderFromEnv()`: OpenAI-compatible when `OPENAI_API_KEY` is set, else `LocalHashEmbedder`. */
  embedder: Embedder;
  /** @default new DocumentExtractor() (PDF, DOCX, UTF-8 text and Markdown) */
  extractor?: Extractor;
  /** @default new TextChunker() (1,000 characters, 150 overlap) */
  chunker?: Chunker;
  /** Chat history. @default storage.sessions (a `LocalDirectoryStorage` keeps them under its directory) */
  sessions?: SessionStore;
  /** Answers written by a model (`createChatModelFromEnv()`); without one, answers quote the best passages. */
  chatModel?: ChatModel;
  /** Larger uploads fail in the load stage with `FileTooLargeError`. @default 50 MiB */
  maxFileBytes?: number;
  /** Chunks retrieved per question. @default 5 */
  topK?: number;
  /** Earlier messages of the session the chat model sees. @default 6 */
  historyMessages?: number;
  /** `cleanup.oldSessions` removes sessions idle for longer than this. @default 7 days */
  sessionMaxAgeSeconds?: number;
  /**
   * Queues of the tasks. @default documents: 'document_processing', chat: 'chat_processing',
   * cleanup: the app's default queue
   */
  queues?: { documents?: string; chat?: string; cleanup?: string };
  /**
   * Retries of `documents.process` and `chat.answer` when a model service is unavailable
   * (`RetryableModelError`: 429, 5xx, timeouts). A `Retry-After` from the service sets the delay
   * (capped at `retryBackoffMax`); otherwise exponential backoff with jitter.
   * @default { maxRetries: 5, retryBackoff: 2, retryBackoffMax: 120 }
   */
  retry?: Pick<TaskOptions, 'maxRetries' | 'retryBackoff' | 'retryBackoffMax' | 'retryJitter'>;
  /** Other options of `documents.process` (e.g. `timeLimit`, `softTimeLimit`). */
  processTaskOptions?: Omit<TaskOptions, 'queue' | 'autoretryFor'>;
}

/** What `documents.retry` returns. */
export interface RetryResult {
  uploadId: string;
  /** The attempt that was revoked, if one was still queued or running. */
  revoked: string | null;
  /** The new attempt's task id. */
  taskId: string;
}

/** What `cleanup.oldSessions` returns. */
export interface CleanupResult {
  removed: string[];
  /** ISO-8601: sessions idle since before this were removed. */
  cutoff: string;
}

/** The registered tasks and the producer-side helpers. */
export interface DocumentPipeline {
  readonly tasks: {
    process: Task<[uploadId: string], ProcessResult>;
    retry: Task<[uploadId: string], RetryResult>;
    answer: Task<[sessionId: string, question: string, uploadIds?: string[] | null], ChatAnswer>;
    cleanup: Task<[maxAgeSeconds?: number | null], CleanupResult>;
  };
  /** Start processing an upload (records the attempt, then sends `documents.process`). */
  start(uploadId: string): Promise<StartedAttempt>;
  /**
   * Retry from the producer, at once: revoke the running attempt (terminate) and start anew. Unlike
   * the `documents.retry` task, it needs no free worker slot on `document_processing`.
   */
  restart(uploadId: string): Promise<StartedAttempt>;
}

/** Retry with the service's `Retry-After` when it gave one; otherwise let `autoretryFor` back off. */
function honourRetryAfter(ctx: TaskContext, cap: number, error: unknown): never {
  if (error instanceof RetryableModelError && error.retryAfter !== undefined) {
    ctx.retry({ countdown: Math.min(error.retryAfter, cap), error });
  }
  throw error;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  const chosen = value ?? fallback;
  if (!(Number.isFinite(chosen) && chosen > 0))
    throw new ConfigError(`${name} must be a positive number (got ${value}).`);
  return chosen;
}

/**
 * Register the document pipeline's tasks on `app`: `documents.process(uploadId)` and
 * `documents.retry(uploadId)` on `document_processing`, `chat.answer(sessionId, question,
 * uploadIds?)` on `chat_processing`, and `cleanup.oldSessions(maxAgeSeconds?)` for beat. Call it
 * in the web service (to send) and in every worker process (to run).
 */
export function registerDocumentPipeline(app: Celeriac, options: DocumentPipelineOptions): DocumentPipeline {
  const sessions = options.sessions ?? options.storage.sessions;
  if (sessions === undefined) {
    throw new ConfigError('registerDocumentPipeline needs `sessions` when the storage keeps no chat sessions.');
  }
  const queues = {
    documents: options.queues?.documents ?? 'document_processing',
    chat: options.queues?.chat ?? 'chat_processing',
    cleanup: options.queues?.cleanup,
  };
  const retry = { maxRetries: 5, retryBackoff: 2, retryBackoffMax: 120, ...options.retry };
  const retryCap = retry.retryBackoffMax ?? 120;
  const processDeps: ProcessDependencies = {
    storage: options.storage,
    extractor: options.extractor ?? new DocumentExtractor(),
    chunker: options.chunker ?? new TextChunker(),
    embedder: options.embedder,
    vectorStore: options.vectorStore,
    maxFileBytes: positive('maxFileBytes', options.maxFileBytes, DEFAULT_MAX_FILE_BYTES),
  };
  const answerDeps: AnswerDependencies = {
    embedder: options.embedder,
    vectorStore: options.vectorStore,
    sessions,
    chatModel: options.chatModel,
    topK: positive('topK', options.topK, 5),
    historyMessages: options.historyMessages ?? 6,
  };
  const maxAge = positive('sessionMaxAgeSeconds', options.sessionMaxAgeSeconds, DEFAULT_SESSION_MAX_AGE_SECONDS);

  const process = app.task(
    DOCUMENT_TASKS.process,
    (ctx, uploadId: string): Promise<ProcessResult> =>
      processDocument(processDeps, ctx, uploadId).catch((error: unknown) => honourRetryAfter(ctx, retryCap, error)),
    {
      ...options.processTaskOptions,
      ...retry,
      bind: true,
      queue: queues.documents,
      autoretryFor: [RetryableModelError],
    },
  );

  const start = (uploadId: string, revokeRunning: boolean): Promise<StartedAttempt> =>
    startAttempt(app, options.storage, process, uploadId, { revokeRunning });

  const retryTask = app.task(
    DOCUMENT_TASKS.retry,
    async (uploadId: string): Promise<RetryResult> => {
      const { revoked, result } = await start(uploadId, true);
      return { uploadId, revoked, taskId: result.id };
    },
    { queue: queues.documents, maxRetries: 0 },
  );

  const answer = app.task(
    DOCUMENT_TASKS.answer,
    (ctx, sessionId: string, question: string, uploadIds?: string[] | null): Promise<ChatAnswer> =>
      answerQuestion(answerDeps, ctx, sessionId, question, uploadIds).catch((error: unknown) =>
        honourRetryAfter(ctx, retryCap, error),
      ),
    { ...retry, bind: true, queue: queues.chat, autoretryFor: [RetryableModelError] },
  );

  const cleanup = app.task(
    DOCUMENT_TASKS.cleanup,
    async (maxAgeSeconds?: number | null): Promise<CleanupResult> => {
      const age = positive('maxAgeSeconds', maxAgeSeconds ?? undefined, maxAge);
      const cutoff = new Date(Date.now() - age * 1000);
      const removed = await sessions.deleteOlderThan(cutoff);
      return { removed, cutoff: cutoff.toISOString() };
    },
    queues.cleanup === undefined ? {} : { queue: queues.cleanup },
  );

  return {
    tasks: { process, retry: retryTask, answer, cleanup },
    start: (uploadId) => start(uploadId, false),
    restart: (uploadId) => start(uploadId, true),
  };
}
