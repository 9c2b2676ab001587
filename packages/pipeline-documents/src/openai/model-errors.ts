import { ModelRequestError, RetryableModelError } from '../errors/model-errors.ts';
import type { PipelineStage } from '../errors/pipeline-error.ts';

/** Statuses worth another try later: timeout, conflict, rate limit, and server errors. */
function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** `Retry-After` (seconds or an HTTP date) or OpenAI's `retry-after-ms`, in seconds. */
function retryAfterSeconds(headers: Headers | undefined): number | undefined {
  const ms = Number(headers?.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms / 1000;
  const value = headers?.get('retry-after');
  if (value === null || value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - Date.now()) / 1000);
}

/**
 * Map an error of the openai SDK to the pipeline's classes, in this one place: 408/409/429/5xx,
 * timeouts and lost connections → `RetryableModelError` (the task retries); other HTTP errors →
 * `ModelRequestError` (fails for good); an abort → the signal's reason (revoke, time limit).
 */
export async function toModelError(
  error: unknown,
  stage: PipelineStage,
  signal: AbortSignal | undefined,
): Promise<unknown> {
  const { APIError, APIConnectionError, APIUserAbortError } = await import('openai');
  if (error instanceof APIUserAbortError) return signal?.aborted ? signal.reason : error;
  if (error instanceof APIConnectionError) {
    return new RetryableModelError(stage, `could not reach it (${error.message})`, { cause: error });
  }
  if (error instanceof APIError && typeof error.status === 'number') {
    const detail = `HTTP ${error.status} ${error.message}`;
    if (isRetryableStatus(error.status)) {
      const retryAfter = retryAfterSeconds(error.headers);
      return new RetryableModelError(stage, detail, {
        status: error.status,
        cause: error,
        ...(retryAfter === undefined ? {} : { retryAfter }),
      });
    }
    return new ModelRequestError(stage, detail, { status: error.status, cause: error });
  }
  return error;
}
