import { Worker as Thread } from 'node:worker_threads';
import type { Logger } from 'pino';
import { ConfigError } from '../errors/celeriac-error.ts';
import { coerceError } from '../errors/coerce-error.ts';
import { WorkerLostError } from '../errors/task-errors.ts';
import type { TaskOptions } from '../task/options.ts';
import type { Task } from '../task/task.ts';
import type { ExecutionContext } from './execution-context.ts';
import { ModuleLoadBackoff } from './module-load-backoff.ts';
import type { TaskPool } from './pool.ts';
import { AUTORETRY } from './retry.ts';
import { threadEntry, threadExecArgv } from './thread-launch.ts';
import {
  describeModule,
  type FromThread,
  moduleUrl,
  rebuildThrown,
  serializeError,
  type ThreadData,
  type ToThread,
} from './thread-protocol.ts';
import { answerStateCall, threadLogLevel, writeThreadLog } from './thread-task-calls.ts';

/** Options of `new ThreadPool()`. */
export interface ThreadPoolOptions {
  /** Path (relative to the current directory) or URL of the module that defines the app's tasks. */
  module: string;
  /** Threads at most: the worker's concurrency. */
  size: number;
  /** Retire a thread after this many runs (a fresh one replaces it on demand). @default unlimited */
  maxTasksPerChild?: number;
  logger: Logger;
  hostname: string;
}

interface PendingRun {
  readonly id: number;
  readonly ctx: ExecutionContext;
  readonly message: Extract<ToThread, { type: 'run' }>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  slot: Slot | undefined;
  onAbort: (() => void) | undefined;
  settled: boolean;
}

interface Slot {
  readonly thread: Thread;
  /** The module imported and the thread said so. */
  loaded: boolean;
  current: PendingRun | undefined;
  runs: number;
  /** Terminated on purpose (retired, killed at a hard limit, pool closed): its exit is no crash. */
  stopping: boolean;
  lastError: Error | undefined;
}

/**
 * Runs handlers in worker_threads that import the task module (Celery's prefork pool, BullMQ's
 * sandboxed processors). Threads start on demand up to `size` and run one task at a time. A hard
 * time limit or a revoke with terminate kills the thread; a thread that dies fails its task with
 * `WorkerLostError`; both are replaced on demand.
 */
export class ThreadPool implements TaskPool {
  readonly #size: number;
  readonly #maxTasksPerChild: number | undefined;
  readonly #logger: Logger;
  readonly #entry: URL;
  readonly #data: ThreadData;
  readonly #execArgv: string[] = threadExecArgv();
  readonly #slots: Slot[] = [];
  readonly #queue: PendingRun[] = [];
  readonly #exiting = new Set<Promise<unknown>>();
  #nextRunId = 0;
  #closed = false;
  readonly #moduleLoad: ModuleLoadBackoff;

  constructor(options: ThreadPoolOptions) {
    if (!Number.isInteger(options.size) || options.size < 1) {
      throw new ConfigError(`The threads pool size must be an integer ≥ 1, got ${String(options.size)}.`);
    }
    const max = options.maxTasksPerChild;
    if (max !== undefined && (!Number.isInteger(max) || max < 1)) {
      throw new ConfigError(`maxTasksPerChild must be an integer ≥ 1, got ${String(max)}.`);
    }
    if (typeof options.module !== 'string' || options.module === '') {
      throw new ConfigError(
        "pool: 'threads' needs `module`: the path or URL of the module that defines the app's tasks.",
      );
    }
    this.#size = options.size;
    this.#maxTasksPerChild = max;
    this.#logger = options.logger;
    this.#entry = threadEntry();
    const url = moduleUrl(options.module);
    this.#data = {
      celeriacPoolThread: true,
      module: url,
      moduleName: describeModule(options.module, url),
      hostname: options.hostname,
    };
    this.#moduleLoad = new ModuleLoadBackoff(this.#data.moduleName, options.logger);
  }

  /** Threads alive now (busy or idle). */
  get threads(): number {
    return this.#slots.length;
  }

  /** Time limits need no options here: they reach the pool through `ctx` (abort, terminate). */
  run(_task: Task<never[], unknown>, ctx: ExecutionContext, _options?: TaskOptions): Promise<unknown> {
    if (this.#closed) return Promise.reject(new WorkerLostError('pool closed'));
    const loadError = this.#moduleLoad.pendingError();
    if (loadError !== undefined) return Promise.reject(loadError);
    return new Promise<unknown>((resolve, reject) => {
      const id = this.#nextRunId++;
      const run: PendingRun = {
        id,
        ctx,
        message: {
          type: 'run',
          runId: id,
          request: {
            taskId: ctx.id,
            name: ctx.name,
            args: ctx.args,
            kwargs: ctx.kwargs,
            headers: ctx.headers,
            retries: ctx.retries,
            queue: ctx.queue,
            rootId: ctx.rootId,
            parentId: ctx.parentId,
            groupId: ctx.groupId,
            hostname: ctx.hostname,
            redelivered: ctx.redelivered,
          },
          logLevel: threadLogLevel(ctx.log),
        },
        resolve,
        reject,
        slot: undefined,
        onAbort: undefined,
        settled: false,
      };
      const { signal } = ctx;
      if (signal.aborted) run.message.abortReason = serializeError(signal.reason);
      else {
        run.onAbort = () => this.#forward(run, signal.reason);
        signal.addEventListener('abort', run.onAbort, { once: true });
      }
      // A hard time limit or a revoke with terminate: the handler must stop, so the thread goes.
      ctx.onTerminate((reason) => this.#kill(run, reason));
      if (run.settled) return;
      this.#queue.push(run);
      this.#pump();
    });
  }

  /** Terminate every thread; runs not finished reject with `WorkerLostError('pool closed')`. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const run of this.#queue.splice(0)) this.#settle(run, false, new WorkerLostError('pool closed'));
    for (const slot of [...this.#slots]) {
      if (slot.current !== undefined) this.#settle(slot.current, false, new WorkerLostError('pool closed'));
      this.#stop(slot);
    }
    await Promise.all(this.#exiting);
  }

  /** Start threads for waiting runs, up to `size`. */
  #pump(): void {
    while (this.#queue.length > 0 && !this.#closed) {
      let slot = this.#slots.find((candidate) => candidate.current === undefined);
      if (slot === undefined) {
        if (this.#slots.length >= this.#size) return;
        // After a load failure, one thread at a time tries the module again.
        if (this.#moduleLoad.failing && this.#slots.some((candidate) => !candidate.loaded)) return;
        const loadError = this.#moduleLoad.pendingError();
        if (loadError !== undefined) {
          for (const run of this.#queue.splice(0)) this.#settle(run, false, loadError);
          return;
        }
        slot = this.#spawn();
        // Could not even start a thread: the next turn fails the waiting runs with that error.
        if (slot === undefined) continue;
      }
      this.#assign(slot, this.#queue.shift()!);
    }
  }

  #spawn(): Slot | undefined {
    let thread: Thread;
    try {
      thread = new Thread(this.#entry, { workerData: this.#data, execArgv: this.#execArgv });
    } catch (error) {
      this.#moduleLoad.failed(
        Object.assign(
          new ConfigError(`The threads pool could not start a thread: ${coerceError(error).message}`, { cause: error }),
          { [AUTORETRY]: false },
        ),
      );
      return undefined;
    }
    const slot: Slot = { thread, loaded: false, current: undefined, runs: 0, stopping: false, lastError: undefined };
    thread.on('message', (message: FromThread) => this.#onMessage(slot, message));
    thread.on('error', (error) => {
      slot.lastError = error;
    });
    thread.on('messageerror', (error) => {
      this.#logger.error({ err: error }, 'threads pool: a message from a thread could not be read');
    });
    thread.on('exit', (code) => this.#onExit(slot, code));
    this.#slots.push(slot);
    return slot;
  }

  #assign(slot: Slot, run: PendingRun): void {
    slot.current = run;
    run.slot = slot;
    slot.thread.ref();
    try {
      slot.thread.postMessage(run.message satisfies ToThread);
    } catch (error) {
      slot.current = undefined;
      this.#settle(run, false, coerceError(error));
      this.#pump();
    }
  }

  #onMessage(slot: Slot, message: FromThread): void {
    switch (message.type) {
      case 'ready':
        slot.loaded = true;
        this.#moduleLoad.loaded();
        return;
      case 'load-failed': {
        this.#stop(slot);
        const error = this.#moduleLoad.moduleError('it failed to import', message.error);
        this.#moduleLoad.failed(error);
        this.#failSlotRun(slot, error);
        this.#pump();
        return;
      }
      case 'done':
      case 'failed': {
        const run = this.#runIn(slot, message.runId);
        if (run === undefined) return;
        this.#release(slot);
        if (message.type === 'done') this.#settle(run, true, message.value);
        else this.#settle(run, false, rebuildThrown(message.error));
        this.#pump();
        return;
      }
      case 'state':
        answerStateCall(slot.thread, this.#runIn(slot, message.runId)?.ctx, message);
        return;
      case 'log':
        writeThreadLog(this.#runIn(slot, message.runId)?.ctx.log ?? this.#logger, message);
        return;
    }
  }

  #onExit(slot: Slot, code: number): void {
    const index = this.#slots.indexOf(slot);
    if (index !== -1) this.#slots.splice(index, 1);
    if (slot.stopping) return;
    const cause = slot.lastError;
    const detail = `thread exited with code ${code}${cause === undefined ? '' : ` (${cause.name}: ${cause.message})`}`;
    if (!slot.loaded) {
      const error = this.#moduleLoad.moduleError(
        `the ${detail} while importing it`,
        cause === undefined ? undefined : serializeError(cause),
      );
      this.#moduleLoad.failed(error);
      this.#failSlotRun(slot, error);
    } else if (slot.current !== undefined) {
      this.#settle(slot.current, false, new WorkerLostError(detail, { cause }));
    } else {
      this.#logger.warn({ err: cause, code }, 'threads pool: an idle thread died; a new one starts when needed');
    }
    this.#pump();
  }

  /** Forward an abort reason to the thread's `ctx.signal` (soft limit, shutdown, and before a kill). */
  #forward(run: PendingRun, reason: unknown): void {
    if (run.settled) return;
    const data = serializeError(reason);
    if (run.slot === undefined) {
      run.message.abortReason ??= data;
      return;
    }
    try {
      run.slot.thread.postMessage({ type: 'abort', runId: run.id, reason: data } satisfies ToThread);
    } catch {
      // Dead already: its exit handler fails the run.
    }
  }

  /** Terminate the thread running `run` (or drop it from the queue) and fail it with `reason`. */
  #kill(run: PendingRun, reason: Error): void {
    if (run.settled) return;
    this.#forward(run, reason);
    const slot = run.slot;
    if (slot === undefined) {
      const index = this.#queue.indexOf(run);
      if (index !== -1) this.#queue.splice(index, 1);
    } else {
      slot.current = undefined;
      this.#stop(slot);
    }
    this.#settle(run, false, reason);
    this.#pump();
  }

  /** A run finished in `slot`: free it, or retire the thread after `maxTasksPerChild` runs. */
  #release(slot: Slot): void {
    slot.current = undefined;
    slot.runs++;
    if (this.#maxTasksPerChild !== undefined && slot.runs >= this.#maxTasksPerChild) this.#stop(slot);
    else slot.thread.unref();
  }

  #stop(slot: Slot): void {
    if (slot.stopping) return;
    slot.stopping = true;
    const index = this.#slots.indexOf(slot);
    if (index !== -1) this.#slots.splice(index, 1);
    const exiting = slot.thread.terminate().catch(() => undefined);
    this.#exiting.add(exiting);
    void exiting.then(() => this.#exiting.delete(exiting));
  }

  /** The run `slot` is running, if it is the one numbered `runId` (a message may outlive its run). */
  #runIn(slot: Slot, runId: number): PendingRun | undefined {
    const run = slot.current;
    return run !== undefined && run.id === runId ? run : undefined;
  }

  #failSlotRun(slot: Slot, error: Error): void {
    const run = slot.current;
    slot.current = undefined;
    if (run !== undefined) this.#settle(run, false, error);
  }

  #settle(run: PendingRun, ok: boolean, value: unknown): void {
    if (run.settled) return;
    run.settled = true;
    if (run.onAbort !== undefined) run.ctx.signal.removeEventListener('abort', run.onAbort);
    if (ok) run.resolve(value);
    else run.reject(value);
  }
}
