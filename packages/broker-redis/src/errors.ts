import { BrokerConnectionError, CeleriacError, coerceError, maskUrl, PublishError } from '@celeriac/core';

/** What was being done when Redis failed, for the error message ("could not publish …"). */
export type RedisOperation =
  | 'connect'
  | 'publish'
  | 'consume'
  | 'settle'
  | 'extend leases'
  | 'purge'
  | 'read stats'
  | 'manage dead letters'
  | 'broadcast'
  | 'subscribe'
  | 'store results'
  | 'read results';

/** Operations that put messages into a queue: a refusal is a `PublishError`. */
const PUBLISHING: ReadonlySet<RedisOperation> = new Set<RedisOperation>(['publish', 'broadcast']);

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** Raised by our own deadlines (publishTimeout, connect budget); mapped like a lost connection. */
export class RedisDeadlineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisDeadlineError';
  }
}

/** True for failures of the connection rather than of the command. */
function isConnectionFailure(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  return (
    error instanceof RedisDeadlineError ||
    error.name === 'MaxRetriesPerRequestError' ||
    (typeof code === 'string' && CONNECTION_CODES.has(code)) ||
    error.message === 'Connection is closed.' ||
    error.message.startsWith("Stream isn't writeable") ||
    error.message === 'Command timed out'
  );
}

/**
 * The one place where Redis and ioredis failures become Celeriac errors. Connection failures
 * become `BrokerConnectionError`; a refused publish becomes `PublishError`; any other refused
 * command a `CeleriacError` with code `REDIS_COMMAND`. Messages name the URL with its password
 * masked. Celeriac errors pass through unchanged.
 */
export function toCeleriacError(thrown: unknown, operation: RedisOperation, url: string): CeleriacError {
  if (thrown instanceof CeleriacError) return thrown;
  const error = coerceError(thrown);
  const where = maskUrl(url);
  if (isConnectionFailure(error)) {
    return new BrokerConnectionError(`Could not ${operation}: Redis at ${where} is unreachable (${error.message})`, {
      cause: error,
    });
  }
  const message = `Could not ${operation}: Redis at ${where} replied ${error.message}`;
  if (PUBLISHING.has(operation)) return new PublishError(message, { cause: error });
  return new CeleriacError('REDIS_COMMAND', message, { cause: error });
}
