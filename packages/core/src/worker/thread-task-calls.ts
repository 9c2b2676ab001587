import type { Worker as Thread } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { ExecutionContext } from './execution-context.ts';
import { type FromThread, serializeError, type ToThread } from './thread-protocol.ts';

/**
 * The main side of what a task running in a pool thread asks of its `ctx`: log lines go to the
 * main `ctx.log`, and `ctx.progress()` / `ctx.updateState()` run on the main `ctx`, answered with
 * a reply the thread's call waits for.
 */

/**
 * The level of a run's logger in the thread: the main `ctx.log`'s, but never above `info`, since
 * `ctx.log` keeps info lines and above with the task's result whatever the logger prints.
 */
export function threadLogLevel(log: Logger): string {
  return log.levelVal > log.levels.values.info! ? 'info' : log.level;
}

/** Write a thread's log line with `logger`, at its level (info for a level pino does not name). */
export function writeThreadLog(logger: Logger, message: Extract<FromThread, { type: 'log' }>): void {
  const label = logger.levels.labels[message.level];
  const method =
    label === 'trace' || label === 'debug' || label === 'warn' || label === 'error' || label === 'fatal'
      ? logger[label]
      : logger.info;
  if (message.msg === undefined) method.call(logger, message.fields);
  else method.call(logger, message.fields, message.msg);
}

/**
 * Run a thread's state call on `ctx`, the main side's context of its run (undefined when that run
 * has finished), and reply to the thread with the outcome.
 */
export function answerStateCall(
  thread: Thread,
  ctx: ExecutionContext | undefined,
  message: Extract<FromThread, { type: 'state' }>,
): void {
  const reply = (error?: unknown): void => {
    const answer: ToThread = { type: 'reply', callId: message.callId };
    if (error !== undefined) answer.error = serializeError(error);
    try {
      thread.postMessage(answer);
    } catch {
      // The thread is gone: nobody waits for the answer.
    }
  };
  if (ctx === undefined) {
    reply(new Error('The task has already finished (or was abandoned); its state can no longer change.'));
    return;
  }
  const { call } = message;
  let stored: Promise<void>;
  try {
    stored = call.kind === 'progress' ? ctx.progress(call.percent, call.meta) : ctx.updateState(call.state, call.meta);
  } catch (error) {
    stored = Promise.reject(error);
  }
  stored.then(() => reply(), reply);
}
