import { coerceError } from '../errors/coerce-error.ts';

/**
 * Exit codes of `celeriac`. Scripts can rely on them; they are listed in the README ("Command line").
 */
export const EXIT: {
  /** Done. */
  readonly ok: 0;
  /** The task failed or was revoked (`result`, `call --wait`), the user declined, or an unexpected error. */
  readonly failure: 1;
  /** Bad usage or configuration: unknown command or option, bad value, bad `-A` module, in-process broker. */
  readonly usage: 2;
  /** The broker or result backend cannot be reached. */
  readonly unreachable: 3;
  /** Nothing in time: no worker replied, or the result was not ready within `--timeout`. */
  readonly timeout: 4;
} = { ok: 0, failure: 1, usage: 2, unreachable: 3, timeout: 4 };

/** An error the CLI reports as one message (no stack) and turns into an exit code. */
export class CliError extends Error {
  readonly exitCode: number;
  /** Print the command's usage hint after the message. */
  readonly hint: boolean;

  constructor(exitCode: number, message: string, options: { cause?: unknown; hint?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.name = 'CliError';
    this.exitCode = exitCode;
    this.hint = options.hint === true;
  }
}

/** A bad command line: the message, then "Run `celeriac <command> --help`". */
export function usageError(message: string): CliError {
  return new CliError(EXIT.usage, message, { hint: true });
}

/** The exit code for an error thrown by the library (Celeriac errors carry a stable `code`). */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  const code = (coerceError(error) as { code?: unknown }).code;
  switch (code) {
    case 'CONFIG':
    case 'SERIALIZATION':
      return EXIT.usage;
    case 'BROKER_CONNECTION':
      return EXIT.unreachable;
    case 'TIMEOUT':
      return EXIT.timeout;
    default:
      return EXIT.failure;
  }
}
