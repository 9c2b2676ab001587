import { DocumentPipelineError, type PipelineStage } from './pipeline-error.ts';

/**
 * A model service (embeddings or chat) failed in a way that may pass: rate limited (429), a server
 * error (5xx), a timeout or a lost connection. The pipeline's tasks name this class in
 * `autoretryFor`, so the task is retried with backoff, visibly (state RETRY, `task-retried`).
 */
export class RetryableModelError extends DocumentPipelineError {
  /** HTTP status, when the service answered. */
  readonly status: number | undefined;
  /** Seconds the service asked us to wait (`Retry-After`), when it said. */
  readonly retryAfter: number | undefined;

  constructor(
    stage: PipelineStage,
    detail: string,
    options: { status?: number; retryAfter?: number; cause?: unknown } = {},
  ) {
    super('MODEL_UNAVAILABLE', stage, `The model service is unavailable: ${detail}.`, {
      hint: 'nothing: the task retries with backoff. If it keeps failing, check the service and its rate limits.',
      cause: options.cause,
    });
    this.status = options.status;
    this.retryAfter = options.retryAfter;
  }
}

/** A model service refused the request for good (bad key, unknown model, bad input): retrying cannot help. */
export class ModelRequestError extends DocumentPipelineError {
  readonly status: number | undefined;

  constructor(stage: PipelineStage, detail: string, options: { status?: number; hint?: string; cause?: unknown } = {}) {
    super('MODEL_REQUEST_REFUSED', stage, `The model service refused the request: ${detail}.`, {
      hint:
        options.hint ??
        'check OPENAI_API_KEY, OPENAI_BASE_URL and the model name, or unset OPENAI_API_KEY to use the offline embedder.',
      cause: options.cause,
    });
    this.status = options.status;
  }
}
