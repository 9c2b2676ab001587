import type { ResultRecord } from '../../backend/result-backend.ts';
import type { Json } from '../../json/json.ts';
import { isReadyState } from '../../result/states.ts';
import { clientApp } from '../connect.ts';
import { CliError, EXIT, usageError } from '../errors.ts';
import { booleanValue, CLIENT_OPTIONS, type Command, type CommandContext, type Io, numberValue } from '../options.ts';
import { printJson, showValue } from '../output.ts';

export const WAIT_OPTIONS: Command['options'] = {
  wait: { type: 'boolean', short: 'w', description: 'Wait until the task finishes, then print its result.' },
  timeout: {
    type: 'string',
    short: 't',
    value: '<ms>',
    description: 'With --wait: give up after this many ms (exit code 4); default: wait as long as it takes.',
  },
};

export const resultCommand: Command = {
  name: 'result',
  summary: "Show a task's state and result (or error) by id.",
  usage: 'result <task-id> [--wait] [--timeout ms] [options]',
  options: { ...WAIT_OPTIONS, ...CLIENT_OPTIONS },
  details: [
    'Prints the result (JSON) of a task that succeeded; the error of one that failed (exit code 1);',
    'the state of one not finished yet (exit code 4, or wait for it with --wait).',
    '',
    'Example:',
    '  celeriac result 0b9f6c1e-… --wait --timeout 30000 -A ./dist/app.js',
    '  celeriac result 0b9f6c1e-… --json --broker redis://127.0.0.1:6379',
  ].join('\n'),
  run: runResult,
};

async function runResult(context: CommandContext): Promise<number> {
  const { values, positionals, io } = context;
  const [id, extra] = positionals;
  if (id === undefined) throw usageError('result needs the id of a task.');
  if (extra !== undefined) throw usageError(`Unexpected argument "${extra}".`);
  const wait = booleanValue(values, 'wait');
  const timeout = waitTimeout(context);
  const { app } = await clientApp(context, 'result', 'backend');
  const result = app.result(id);
  const record = wait ? await waitFor(result, timeout) : await result.record();
  return reportRecord(io, booleanValue(values, 'json'), id, record);
}

/** `--timeout` of a waiting command, checked (undefined: wait as long as it takes). */
export function waitTimeout({ values }: CommandContext): number | undefined {
  const timeout = numberValue(values, 'timeout', { integer: true, min: 1, unit: 'milliseconds' });
  if (timeout !== undefined && !booleanValue(values, 'wait')) throw usageError('--timeout goes with --wait.');
  return timeout;
}

/** Wait for a ready state; `TimeoutError` becomes exit code 4 with the state seen last. */
export async function waitFor(
  result: { wait(timeout?: number): Promise<ResultRecord> },
  timeout: number | undefined,
): Promise<ResultRecord> {
  try {
    return await result.wait(timeout);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'TIMEOUT') throw new CliError(EXIT.timeout, (error as Error).message);
    throw error;
  }
}

/** Print a task's record for people or as JSON; the exit code follows the task's outcome. */
export function reportRecord(io: Io, json: boolean, id: string, record: ResultRecord | null): number {
  const state = record?.state ?? 'PENDING';
  const ready = isReadyState(state);
  if (json) {
    const document: Record<string, Json | undefined> = { id, state, ready };
    if (record !== null) {
      document.name = record.name;
      if (record.result !== undefined) document.result = record.result;
      if (record.error !== undefined) document.error = { ...record.error };
      if (record.meta !== undefined) document.meta = record.meta;
      document.retries = record.retries;
      if (record.worker !== undefined) document.worker = record.worker;
      document.dateDone = record.dateDone;
    }
    printJson(io, document);
  } else if (state === 'SUCCESS') {
    io.out(showValue(record?.result ?? null));
  } else if (state === 'FAILURE') {
    const error = record?.error ?? { name: 'Error', message: 'unknown error' };
    io.err(`Task ${id}${record?.name ? ` (${record.name})` : ''} failed: ${error.name}: ${error.message}`);
    // The remote stack starts with "Name: message", already said above.
    const frames = error.stack?.split('\n').filter((line) => /^\s+at /.test(line));
    if (frames !== undefined && frames.length > 0) io.err(frames.join('\n'));
  } else if (state === 'REVOKED') {
    io.err(
      `Task ${id}${record?.name ? ` (${record.name})` : ''} was revoked${record?.error ? `: ${record.error.message}` : '.'}`,
    );
  } else {
    const meta = record?.meta === undefined || record.meta === null ? '' : ` ${JSON.stringify(record.meta)}`;
    io.out(`${state}${meta}`);
    io.err(`Task ${id} has not finished (${state}); pass --wait to wait for it.`);
  }
  if (state === 'SUCCESS') return EXIT.ok;
  return ready ? EXIT.failure : EXIT.timeout;
}
