/**
 * Control-flow signals a task throws on purpose. They are not failures: the worker recognises
 * them by class and acts (Celery's `Retry` and `Reject`).
 */

/** Thrown by `ctx.retry()`: schedule the task again after `countdown` seconds. */
export class Retry extends Error {
  readonly countdown: number | undefined;
  readonly eta: Date | undefined;
  /** The error that caused the retry; it becomes the final error if retries run out. */
  readonly error: unknown;

  constructor(options: { countdown?: number; eta?: Date; error?: unknown } = {}) {
    super(options.error instanceof Error ? `Retry: ${options.error.message}` : 'Retry requested');
    this.name = 'Retry';
    this.countdown = options.countdown;
    this.eta = options.eta;
    this.error = options.error;
  }
}

/** Thrown by a task to refuse its message: it goes to the dead-letter queue (or is requeued). */
export class Reject extends Error {
  readonly requeue: boolean;

  constructor(reason: string, options: { requeue?: boolean } = {}) {
    super(reason);
    this.name = 'Reject';
    this.requeue = options.requeue ?? false;
  }
}
