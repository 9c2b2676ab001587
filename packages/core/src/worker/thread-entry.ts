/**
 * Entry of a threads-pool thread: imports the task module once, then runs what the main thread
 * sends, one run at a time. Runs only as a worker thread started by `ThreadPool`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type DestinationStream, type Logger, pino } from 'pino';
import { SerializationError } from '../errors/celeriac-error.ts';
import { coerceError } from '../errors/coerce-error.ts';
import { Reject, Retry } from '../errors/signals.ts';
import { runWithContext } from '../task/context.ts';
import type { TaskOptions } from '../task/options.ts';
import type { BoundHandler } from '../task/task.ts';
import { type ThreadBridge, ThreadTaskContext } from './thread-context.ts';
import {
  type FromThread,
  rebuildError,
  type SerializedThrown,
  type StateCall,
  serializeError,
  type ThreadData,
  type ToThread,
} from './thread-protocol.ts';

/** The parts of a Celeriac app and its tasks a thread uses. Duck-typed: the module's copy of core may differ. */
interface ThreadTask {
  readonly run: BoundHandler;
  readonly options: Readonly<TaskOptions>;
}
interface ThreadApp {
  getTask(name: string): ThreadTask | undefined;
  optionsFor?(task: ThreadTask): TaskOptions;
}

/** Binding that carries the run id on each log line; removed before the line leaves the thread. */
const RUN_KEY = '__celeriacRun';

if (parentPort === null) throw new Error('thread-entry.js runs only as a threads-pool worker thread.');
const port = parentPort;
const data = workerData as ThreadData;

function post(message: FromThread): void {
  port.postMessage(message);
}

function isApp(value: unknown): value is ThreadApp {
  return typeof value === 'object' && value !== null && typeof (value as ThreadApp).getTask === 'function';
}

async function loadApp(): Promise<ThreadApp | undefined> {
  let module: Record<string, unknown>;
  try {
    module = (await import(data.module)) as Record<string, unknown>;
  } catch (error) {
    post({ type: 'load-failed', error: serializeError(error) });
    return undefined;
  }
  const fallback = module.default as Record<string, unknown> | undefined;
  const app = [module.app, module.default, fallback?.app].find(isApp);
  if (app === undefined) {
    const names = Object.keys(module).join(', ') || 'nothing';
    post({
      type: 'load-failed',
      error: serializeError(
        new TypeError(
          `it exports no Celeriac app (found: ${names}); export the app as \`app\` (export const app = new Celeriac(…)) or as the default export`,
        ),
      ),
    });
    return undefined;
  }
  return app;
}

const pendingCalls = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
let nextCallId = 0;

function forwardLogLine(line: string): void {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return;
  }
  const { level, msg, [RUN_KEY]: runId, ...fields } = entry;
  post({
    type: 'log',
    runId: typeof runId === 'number' ? runId : -1,
    level: typeof level === 'number' ? level : 30,
    msg: typeof msg === 'string' ? msg : undefined,
    fields,
  });
}

const destination: DestinationStream = { write: forwardLogLine };
// No time, pid or hostname: the main thread's logger adds its own.
const baseLogger = pino({ base: null, timestamp: false, level: 'trace' }, destination);

const bridge: ThreadBridge = {
  call(runId: number, call: StateCall): Promise<void> {
    const callId = nextCallId++;
    return new Promise<void>((resolve, reject) => {
      pendingCalls.set(callId, { resolve, reject });
      try {
        post({ type: 'state', runId, callId, call });
      } catch (error) {
        pendingCalls.delete(callId);
        reject(new SerializationError(`state meta cannot be sent to the main thread: ${coerceError(error).message}`));
      }
    });
  },
  logger(runId: number, level: string): Logger {
    // A custom level of the main logger is unknown here: fall back to info.
    const known = level in baseLogger.levels.values || level === 'silent' ? level : 'info';
    return baseLogger.child({ [RUN_KEY]: runId }, { level: known });
  },
};

function autoretryMatches(options: TaskOptions, thrown: unknown): boolean {
  const rule = options.autoretryFor;
  if (rule === undefined || !(thrown instanceof Error)) return false;
  try {
    if (typeof rule === 'function') return rule(thrown) === true;
    return rule.some((ErrorClass) => thrown instanceof ErrorClass);
  } catch {
    return false;
  }
}

function serializeThrown(thrown: unknown, options: TaskOptions): SerializedThrown {
  const base = serializeError(thrown);
  if (thrown instanceof Retry || (thrown instanceof Error && thrown.name === 'Retry')) {
    const retry = thrown as Retry;
    const serialized: SerializedThrown = { ...base, kind: 'retry' };
    if (typeof retry.countdown === 'number') serialized.countdown = retry.countdown;
    if (retry.eta instanceof Date) serialized.eta = retry.eta.getTime();
    if (retry.error !== undefined) serialized.error = serializeError(retry.error);
    return serialized;
  }
  if (thrown instanceof Reject || (thrown instanceof Error && thrown.name === 'Reject')) {
    return { ...base, kind: 'reject', requeue: (thrown as Reject).requeue === true };
  }
  return { ...base, kind: 'error', autoretry: autoretryMatches(options, thrown) };
}

/** The run in progress (one at a time per thread). */
let current: { runId: number; ctx: ThreadTaskContext } | undefined;

async function execute(app: ThreadApp, message: Extract<ToThread, { type: 'run' }>): Promise<void> {
  const { runId, request } = message;
  const ctx = new ThreadTaskContext(runId, request, message.logLevel, bridge);
  const run = { runId, ctx };
  current = run;
  if (message.abortReason !== undefined) ctx.abort(message.abortReason);
  const task = app.getTask(request.name);
  let options: TaskOptions = {};
  try {
    if (task === undefined) {
      throw new Error(
        `Task "${request.name}" is not registered by ${data.moduleName} in the threads-pool thread: the module the pool loads must register every task the worker runs.`,
      );
    }
    options = typeof app.optionsFor === 'function' ? app.optionsFor(task) : task.options;
    const value = await runWithContext(ctx, () => task.run(ctx, request.args as unknown[]));
    try {
      post({ type: 'done', runId, value });
    } catch (error) {
      throw new SerializationError(
        `${request.name} result cannot be sent from the thread (it must be a JSON value): ${coerceError(error).message}`,
      );
    }
  } catch (thrown) {
    post({ type: 'failed', runId, error: serializeThrown(thrown, options) });
  } finally {
    ctx.finish();
    if (current === run) current = undefined;
  }
}

const app = await loadApp();
if (app !== undefined) {
  port.on('message', (message: ToThread) => {
    switch (message.type) {
      case 'run':
        void execute(app, message);
        break;
      case 'abort':
        if (current?.runId === message.runId) current.ctx.abort(message.reason);
        break;
      case 'reply': {
        const pending = pendingCalls.get(message.callId);
        if (pending === undefined) break;
        pendingCalls.delete(message.callId);
        if (message.error === undefined) pending.resolve();
        else pending.reject(rebuildError(message.error));
        break;
      }
    }
  });
  post({ type: 'ready' });
}
