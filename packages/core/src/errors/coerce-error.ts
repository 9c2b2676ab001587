import type { RemoteError } from './task-errors.ts';

/** Turn anything thrown into an `Error`, so every catch boundary handles one type. */
export function coerceError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  if (typeof thrown === 'string') return new Error(thrown);
  let text: string;
  try {
    text = JSON.stringify(thrown) ?? String(thrown);
  } catch {
    text = String(thrown);
  }
  return new Error(`Non-error value thrown: ${text}`);
}

/** The JSON shape of an error as stored in a result record. */
export function toRemoteError(thrown: unknown): RemoteError {
  const error = coerceError(thrown);
  const remote: RemoteError = { name: error.name || 'Error', message: error.message };
  if (error.stack !== undefined) remote.stack = error.stack;
  return remote;
}
