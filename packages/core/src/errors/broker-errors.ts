import { CeleriacError } from './celeriac-error.ts';

/** The broker or backend cannot be reached. The message names the URL with its password masked. */
export class BrokerConnectionError extends CeleriacError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BROKER_CONNECTION', message, options);
  }
}

/** A message could not be published (the broker refused it, or is closed). */
export class PublishError extends CeleriacError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PUBLISH', message, options);
  }
}
