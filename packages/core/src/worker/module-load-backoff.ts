import type { Logger } from 'pino';
import { ConfigError } from '../errors/celeriac-error.ts';
import { AUTORETRY } from './retry.ts';
import { rebuildError, type SerializedError } from './thread-protocol.ts';

/** First and longest pause after the task module failed to load in a thread, ms. */
const LOAD_RETRY_MIN_MS = 1_000;
const LOAD_RETRY_MAX_MS = 30_000;

/**
 * The threads pool's memory of failures to load the task module: while a pause lasts (1 s after
 * the first failure, doubling to 30 s), runs fail at once with the last load error instead of
 * spinning up thread after thread; a thread that loads the module ends it.
 */
export class ModuleLoadBackoff {
  readonly #moduleName: string;
  readonly #logger: Logger;
  /** Consecutive failures to load the module, the last one, and until when runs fail without trying. */
  #failures = 0;
  #error: Error | undefined;
  #retryAt = 0;

  constructor(moduleName: string, logger: Logger) {
    this.#moduleName = moduleName;
    this.#logger = logger;
  }

  /** The module failed to load since it last loaded: one thread at a time tries it again. */
  get failing(): boolean {
    return this.#failures > 0;
  }

  /** A thread loaded the module: earlier failures are forgotten. */
  loaded(): void {
    this.#failures = 0;
    this.#error = undefined;
  }

  /** Remember a load failure and log it; the pause grows with each failure that is not simultaneous. */
  failed(error: Error): void {
    // Threads that started together and failed together count once.
    if (Date.now() >= this.#retryAt) this.#failures++;
    this.#error = error;
    const pause = Math.min(LOAD_RETRY_MAX_MS, LOAD_RETRY_MIN_MS * 2 ** (this.#failures - 1));
    this.#retryAt = Date.now() + pause;
    this.#logger.error({ err: error }, 'threads pool: the task module could not be loaded');
  }

  /** The error a run fails with while the pause lasts; undefined once threads may try again. */
  pendingError(): Error | undefined {
    if (this.#error === undefined || Date.now() >= this.#retryAt) return undefined;
    // A fresh error per run: each failed task stores its own stack.
    const error = new ConfigError(this.#error.message, { cause: this.#error.cause });
    return Object.assign(error, { [AUTORETRY]: false });
  }

  /** The error of a thread that could not load the module: `what` happened, with the thread's error. */
  moduleError(what: string, cause: SerializedError | undefined): Error {
    const reason = cause === undefined ? '' : `: ${cause.name}: ${cause.message}`;
    const error = new ConfigError(
      `The threads pool could not load the task module ${this.#moduleName}: ${what}${reason}`,
      cause === undefined ? undefined : { cause: rebuildError(cause) },
    );
    // Not the task's own error: never retried automatically.
    return Object.assign(error, { [AUTORETRY]: false });
  }
}
