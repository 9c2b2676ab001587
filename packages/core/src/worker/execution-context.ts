import { format } from 'node:util';
import type { Logger } from 'pino';
import type { Delivery } from '../broker/broker.ts';
import type { TaskEnvelope } from '../broker/message.ts';
import { Retry } from '../errors/signals.ts';
import type { Json } from '../json/json.ts';
import type { TaskState } from '../result/states.ts';
import type { TaskContext } from '../task/context.ts';

/** Where a context sends its state updates. */
export interface StateSink {
  updateState(ctx: ExecutionContext, state: string, meta: Json): Promise<void>;
}

/**
 * The `ctx` of one execution. The logger and the AbortController are made on first use: most
 * tasks never touch them, and a busy worker runs many thousands per second.
 */
export class ExecutionContext implements TaskContext {
  readonly id: string;
  readonly name: string;
  readonly args: readonly Json[];
  readonly kwargs: Readonly<Record<string, Json>>;
  readonly headers: Readonly<Record<string, Json>>;
  readonly retries: number;
  readonly queue: string;
  readonly rootId: string;
  readonly parentId: string | null;
  readonly groupId: string | null;
  readonly hostname: string;
  readonly redelivered: boolean;
  readonly #baseLogger: Logger;
  readonly #sink: StateSink;
  #log: Logger | undefined;
  #controller: AbortController | undefined;
  #abortReason: unknown;
  #aborted = false;
  #finished = false;
  #terminatedWith: Error | undefined;
  readonly #terminateListeners: ((reason: Error) => void)[] = [];
  readonly #logLines: string[] = [];

  constructor(envelope: TaskEnvelope, delivery: Delivery, hostname: string, logger: Logger, sink: StateSink) {
    const { headers, body } = envelope;
    this.id = headers.id;
    this.name = headers.task;
    this.args = body[0];
    this.kwargs = body[1];
    this.headers = headers;
    this.retries = headers.retries;
    this.queue = delivery.queue;
    this.rootId = typeof headers.root_id === 'string' ? headers.root_id : headers.id;
    this.parentId = typeof headers.parent_id === 'string' ? headers.parent_id : null;
    this.groupId = typeof headers.group === 'string' ? headers.group : null;
    this.hostname = hostname;
    this.redelivered = delivery.redelivered;
    this.#baseLogger = logger;
    this.#sink = sink;
  }

  /** A pino child whose lines (info and above, or lower when enabled) are also kept with the task's result. */
  get log(): Logger {
    this.#log ??= captureLines(this.#baseLogger.child({ taskId: this.id, task: this.name }), this.#logLines);
    return this.#log;
  }

  /** Log lines written since the last call, oldest first. */
  takeLogLines(): string[] {
    return this.#logLines.splice(0);
  }

  /**
   * Stop the run now: abort `ctx.signal` with `reason` and settle `race()` with it, even if the
   * handler ignores the signal (hard time limit, revoke with terminate).
   */
  terminate(reason: Error): void {
    this.abort(reason);
    if (this.#terminatedWith !== undefined) return;
    this.#terminatedWith = reason;
    for (const listener of this.#terminateListeners.splice(0)) listener(reason);
  }

  /**
   * Call `listener` once when the run is terminated (at once if it was already), even when an
   * earlier abort (a soft limit) took `ctx.signal`: the threads pool kills the thread then.
   */
  onTerminate(listener: (reason: Error) => void): void {
    if (this.#terminatedWith !== undefined) listener(this.#terminatedWith);
    else this.#terminateListeners.push(listener);
  }

  /** `running`, unless `terminate()` comes first. */
  race<T>(running: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.onTerminate(reject);
      running.then(resolve, reject);
    });
  }

  /** The reason the run was aborted with, if it was. */
  get abortReason(): unknown {
    return this.#abortReason;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#abortReason);
    }
    return this.#controller.signal;
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  /** Abort `ctx.signal` with `reason` (soft time limit, revoke, shutdown). First reason wins. */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#abortReason = reason;
    this.#controller?.abort(reason);
  }

  /** The outcome is stored (or the run was abandoned): later state updates are refused. */
  finish(): void {
    this.#finished = true;
  }

  updateState(state: TaskState | string, meta: Json = null): Promise<void> {
    if (this.#finished) {
      return Promise.reject(
        new Error(
          `Task ${this.id} has already finished (or was abandoned at a time limit or shutdown); its state can no longer change.`,
        ),
      );
    }
    return this.#sink.updateState(this, state, meta);
  }

  progress(percent: number, meta: Record<string, Json> = {}): Promise<void> {
    if (typeof percent !== 'number' || !Number.isFinite(percent) || percent < 0 || percent > 100) {
      return Promise.reject(new RangeError(`progress percent must be a number from 0 to 100, got ${String(percent)}.`));
    }
    return this.updateState('PROGRESS', { ...meta, percent });
  }

  retry(options: { countdown?: number; eta?: Date; error?: unknown } = {}): never {
    throw new Retry(options);
  }
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
/** Lines kept per task between flushes; a task logging faster than the flush drops its oldest. */
const MAX_BUFFERED_LINES = 1000;

/** Wrap a logger's level methods so each call also appends a plain-text line to `lines`. */
function captureLines(logger: Logger, lines: string[]): Logger {
  for (const level of LEVELS) {
    const write = logger[level].bind(logger) as (...args: unknown[]) => void;
    const keep = level === 'debug' || level === 'trace' ? () => logger.isLevelEnabled(level) : () => true;
    (logger as unknown as Record<string, unknown>)[level] = (...args: unknown[]) => {
      if (keep()) {
        lines.push(`${new Date().toISOString()} ${level.toUpperCase()} ${formatLogArgs(args)}`);
        if (lines.length > MAX_BUFFERED_LINES) lines.shift();
      }
      write(...args);
    };
  }
  return logger;
}

function formatLogArgs(args: unknown[]): string {
  const [first, ...rest] = args;
  // pino's call shapes: (msg, ...interpolation) or (object, msg?, ...interpolation).
  if (typeof first === 'string') return format(first, ...rest);
  const text = typeof rest[0] === 'string' ? format(rest[0], ...rest.slice(1)) : '';
  if (first instanceof Error) return `${text} ${first.name}: ${first.message}`.trim();
  let fields = '';
  try {
    fields = JSON.stringify(first) ?? '';
  } catch {
    fields = String(first);
  }
  return text === '' ? fields : `${text} ${fields}`;
}
