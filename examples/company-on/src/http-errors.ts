import { TaskFailedError } from '@celeriac/core';
import { DocumentPipelineError, FileTooLargeError } from '@celeriac/pipeline-documents';

/** An error with the HTTP status it answers with. */
export class HttpError extends Error {
  override name = 'HttpError';
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const SAFE_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** Check an upload, session or task id taken from a URL. */
export function safeId(kind: string, value: string): string {
  if (!SAFE_ID.test(value)) throw new HttpError(400, `Invalid ${kind} id: use 1–128 of A–Z, a–z, 0–9, "_" and "-".`);
  return value;
}

/**
 * The status and `{ error }` message a failed request answers with. Fastify's own errors (bad JSON,
 * body too large, unsupported media type) carry a 4xx `statusCode`; anything unexpected is a 500
 * whose details stay in the log.
 */
export function describeError(error: unknown): { status: number; message: string } {
  if (error instanceof HttpError) return { status: error.status, message: error.message };
  if (error instanceof FileTooLargeError) return { status: 413, message: error.message };
  if (error instanceof DocumentPipelineError) return { status: 400, message: error.message };
  if (error instanceof TaskFailedError)
    return { status: 502, message: `${error.remote.name}: ${error.remote.message}` };
  const statusCode = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return { status: statusCode, message: (error as Error).message };
  }
  return { status: 500, message: 'Internal error.' };
}
