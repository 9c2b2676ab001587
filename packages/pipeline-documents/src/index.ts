export type { AnswerDependencies, ChatAnswer } from './chat/answer-question.ts';
export type { ChatModel, ChatTurn } from './chat/chat-model.ts';
export { extractiveAnswer } from './chat/extractive-answer.ts';
export { OpenAIChatModel, type OpenAIChatModelOptions } from './chat/openai-chat-model.ts';
export {
  approximateTokens,
  type Chunk,
  type Chunker,
  TextChunker,
  type TextChunkerOptions,
} from './chunking/chunker.ts';
export type { Embedder, EmbedOptions } from './embedder/embedder.ts';
export { createChatModelFromEnv, createEmbedderFromEnv, type ModelEnv } from './embedder/from-env.ts';
export { LocalHashEmbedder, type LocalHashEmbedderOptions } from './embedder/local-hash-embedder.ts';
export { OpenAIEmbedder, type OpenAIEmbedderOptions } from './embedder/openai-embedder.ts';
export {
  AttemptSupersededError,
  CorruptDocxError,
  CorruptPdfError,
  DocumentPipelineError,
  EmptyDocumentError,
  EncryptedPdfError,
  FileTooLargeError,
  formatBytes,
  InvalidIdError,
  ModelRequestError,
  type PipelineErrorOptions,
  type PipelineStage,
  parseStageFailure,
  RetryableModelError,
  StageFailedError,
  type StageFailure,
  UnsupportedFileTypeError,
  UploadNotFoundError,
} from './errors/index.ts';
export { type Detection, type DocumentFormat, detectFileType } from './extraction/detect-type.ts';
export {
  DocumentExtractor,
  type ExtractedDocument,
  type ExtractInput,
  type ExtractOptions,
  type Extractor,
} from './extraction/extractor.ts';
export { joinPdfLines } from './extraction/pdf-lines.ts';
export type { OpenAIConnectionOptions } from './openai/client.ts';
export type { ProcessDependencies, ProcessResult } from './pipeline/process-document.ts';
export type { StartedAttempt } from './pipeline/restart-upload.ts';
export {
  type CleanupResult,
  DEFAULT_MAX_FILE_BYTES,
  DEFAULT_SESSION_MAX_AGE_SECONDS,
  DOCUMENT_TASKS,
  type DocumentPipeline,
  type DocumentPipelineOptions,
  type RetryResult,
  registerDocumentPipeline,
} from './register.ts';
export { type DocumentProgress, type ProcessStage, STAGE_RANGES } from './stages/progress.ts';
export { FileSessionStore } from './storage/file-session-store.ts';
export {
  createLocalDirectoryStorage,
  LocalDirectoryStorage,
  type LocalDirectoryStorageOptions,
} from './storage/local-directory-storage.ts';
export type { AnswerSource, ChatMessage, ChatSession, SessionStore } from './storage/session-store.ts';
export type { SaveUploadInput, UploadMeta, UploadStorage } from './storage/upload-storage.ts';
export { cosineSimilarity } from './vector-store/cosine.ts';
export { FileVectorStore, VectorFileError } from './vector-store/file-vector-store.ts';
export {
  DEFAULT_DATABASE_URL,
  PostgresVectorStore,
  type PostgresVectorStoreOptions,
} from './vector-store/postgres-vector-store.ts';
export type { SearchHit, SearchOptions, StoredChunk, VectorStore } from './vector-store/vector-store.ts';
