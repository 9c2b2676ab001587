import type { CallOptions } from '../../task/call-options.ts';
import { clientApp } from '../connect.ts';
import { EXIT, usageError } from '../errors.ts';
import {
  booleanValue,
  CLIENT_OPTIONS,
  type Command,
  type CommandContext,
  jsonValue,
  numberValue,
  stringValue,
  type Values,
} from '../options.ts';
import { printJson } from '../output.ts';
import { reportRecord, WAIT_OPTIONS, waitFor, waitTimeout } from './result.ts';

export const callCommand: Command = {
  name: 'call',
  summary: 'Send a task by name (the tasks need not be registered here) and print its id.',
  usage: "call <task> [--args '[...]'] [--kwargs '{...}'] [options]",
  options: {
    args: {
      type: 'string',
      short: 'a',
      value: "'[...]'",
      description: 'Positional arguments, a JSON array (default: []).',
    },
    kwargs: {
      type: 'string',
      short: 'k',
      value: "'{...}'",
      description: 'Keyword arguments, a JSON object (ctx.kwargs).',
    },
    countdown: { type: 'string', value: '<seconds>', description: 'Run no earlier than this many seconds from now.' },
    eta: { type: 'string', value: '<iso-time>', description: 'Run no earlier than this time (ISO-8601).' },
    expires: {
      type: 'string',
      value: '<seconds|iso-time>',
      description: 'Discard the task (REVOKED) if it has not started by then.',
    },
    priority: { type: 'string', value: '<0-9>', description: 'Higher runs first (default: 0).' },
    queue: {
      type: 'string',
      short: 'q',
      value: '<queue>',
      description: "Send to this queue, overriding the task's routing.",
    },
    'task-id': {
      type: 'string',
      value: '<id>',
      description: 'Use this id (a task with this id still queued or running is not sent again).',
    },
    ...WAIT_OPTIONS,
    ...CLIENT_OPTIONS,
  },
  details: [
    'Prints the task id; with --wait, then its result (exit code 1 if it fails, 4 on --timeout).',
    '',
    'Example:',
    '  celeriac call documents.process --args \'["upload-42"]\' -A ./dist/app.js',
    "  celeriac call math.add --args '[2, 3]' --wait --timeout 10000 --broker redis://127.0.0.1:6379",
  ].join('\n'),
  run: runCall,
};

async function runCall(context: CommandContext): Promise<number> {
  const { values, positionals, io } = context;
  const [name, extra] = positionals;
  if (name === undefined) throw usageError('call needs the name of the task to send.');
  if (extra !== undefined) {
    throw usageError(`Unexpected argument "${extra}": pass the task's arguments as JSON with --args '[...]'.`);
  }
  const args = (jsonValue(values, 'args', 'array') as unknown[] | undefined) ?? [];
  const options = callOptions(values);
  const wait = booleanValue(values, 'wait');
  const timeout = waitTimeout(context);
  const json = booleanValue(values, 'json');
  const { app } = await clientApp(context, 'call', wait ? 'both' : 'broker');
  const result = await app.sendTask(name, args, options);
  if (!wait) {
    if (json) printJson(io, { id: result.id, task: name });
    else io.out(result.id);
    return EXIT.ok;
  }
  if (!json) io.out(result.id);
  return reportRecord(io, json, result.id, await waitFor(result, timeout));
}

function callOptions(values: Values): CallOptions {
  const options: CallOptions = {};
  const kwargs = jsonValue(values, 'kwargs', 'object');
  if (kwargs !== undefined) options.kwargs = kwargs as CallOptions['kwargs'];
  const countdown = numberValue(values, 'countdown', { min: 0, unit: 'seconds' });
  if (countdown !== undefined) options.countdown = countdown;
  const eta = stringValue(values, 'eta');
  if (eta !== undefined) {
    if (Number.isNaN(Date.parse(eta))) throw usageError(`--eta must be an ISO-8601 time, got "${eta}".`);
    options.eta = eta;
  }
  const expires = stringValue(values, 'expires');
  if (expires !== undefined) {
    const seconds = Number(expires);
    if (expires.trim() !== '' && Number.isFinite(seconds)) options.expires = seconds;
    else if (!Number.isNaN(Date.parse(expires))) options.expires = expires;
    else throw usageError(`--expires must be seconds from now or an ISO-8601 time, got "${expires}".`);
  }
  const priority = numberValue(values, 'priority', { integer: true, min: 0 });
  if (priority !== undefined) {
    if (priority > 9) throw usageError(`--priority must be an integer from 0 to 9, got ${priority}.`);
    options.priority = priority;
  }
  const queue = stringValue(values, 'queue');
  if (queue !== undefined) options.queue = queue;
  const taskId = stringValue(values, 'task-id');
  if (taskId !== undefined) options.taskId = taskId;
  return options;
}
