import type { Logger } from 'pino';
import { Retry } from '../errors/signals.ts';
import { SoftTimeLimitExceeded, TaskRevokedError, TimeLimitExceeded, WorkerShutdown } from '../errors/task-errors.ts';
import type { Json } from '../json/json.ts';
import type { TaskState } from '../result/states.ts';
import type { TaskContext } from '../task/context.ts';
import { type RunRequest, rebuildError, type SerializedError, type StateCall } from './thread-protocol.ts';

/** What a thread's context needs from its thread: state calls answered by the main thread, and a logger. */
export interface ThreadBridge {
  /** Send a state call to the main thread; resolves once the state is stored there. */
  call(runId: number, call: StateCall): Promise<void>;
  /** A logger whose lines go to the main thread's `ctx.log` of this run. */
  logger(runId: number, level: string): Logger;
}

/**
 * The `ctx` of a task running in a pool thread. Reads come from the run request; `progress`,
 * `updateState` and `log` go to the main thread's context; `signal` is aborted when the main side
 * forwards an abort.
 */
export class ThreadTaskContext implements TaskContext {
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
  readonly #runId: number;
  readonly #logLevel: string;
  readonly #bridge: ThreadBridge;
  readonly #controller = new AbortController();
  #log: Logger | undefined;
  #finished = false;

  constructor(runId: number, request: RunRequest, logLevel: string, bridge: ThreadBridge) {
    this.id = request.taskId;
    this.name = request.name;
    this.args = request.args;
    this.kwargs = request.kwargs;
    this.headers = request.headers;
    this.retries = request.retries;
    this.queue = request.queue;
    this.rootId = request.rootId;
    this.parentId = request.parentId;
    this.groupId = request.groupId;
    this.hostname = request.hostname;
    this.redelivered = request.redelivered;
    this.#runId = runId;
    this.#logLevel = logLevel;
    this.#bridge = bridge;
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get log(): Logger {
    this.#log ??= this.#bridge.logger(this.#runId, this.#logLevel);
    return this.#log;
  }

  /** Abort `signal` with the reason the main side sent, rebuilt as its class. First reason wins. */
  abort(reason: SerializedError): void {
    if (!this.#controller.signal.aborted) this.#controller.abort(rebuildAbortReason(reason, this.id));
  }

  /** The run has ended: later state updates are refused. */
  finish(): void {
    this.#finished = true;
  }

  updateState(state: TaskState | string, meta: Json = null): Promise<void> {
    return this.#call({ kind: 'update', state, meta });
  }

  progress(percent: number, meta: Record<string, Json> = {}): Promise<void> {
    return this.#call({ kind: 'progress', percent, meta });
  }

  retry(options: { countdown?: number; eta?: Date; error?: unknown } = {}): never {
    throw new Retry(options);
  }

  #call(call: StateCall): Promise<void> {
    if (this.#finished) {
      return Promise.reject(
        new Error(`Task ${this.id} has already finished (or was abandoned); its state can no longer change.`),
      );
    }
    return this.#bridge.call(this.#runId, call);
  }
}

/** An abort reason from the main thread, as the class the task can test with `instanceof`. */
export function rebuildAbortReason(data: SerializedError, taskId: string): Error {
  let error: Error;
  switch (data.name) {
    case 'SoftTimeLimitExceeded':
      error = new SoftTimeLimitExceeded(0);
      break;
    case 'TimeLimitExceeded':
      error = new TimeLimitExceeded(0);
      break;
    case 'TaskRevokedError':
      error = new TaskRevokedError(taskId);
      break;
    case 'WorkerShutdown':
      error = new WorkerShutdown();
      break;
    default:
      return rebuildError(data);
  }
  // The constructors above format their own message; keep the main side's exact one.
  error.message = data.message;
  if (data.stack !== undefined) error.stack = data.stack;
  return error;
}
