import type { WorkerOptions } from '../../worker/options.ts';
import { banner, describeAdapter, expandHostname } from '../banner.ts';
import { connectApp } from '../connect.ts';
import { usageError } from '../errors.ts';
import { loadApp } from '../load-app.ts';
import {
  APP_OPTION,
  type Command,
  type CommandContext,
  LOGLEVEL_OPTION,
  listValue,
  numberValue,
  stringValue,
} from '../options.ts';

export const workerCommand: Command = {
  name: 'worker',
  summary: "Start a worker: consume the queues and run the app's tasks until SIGTERM or Ctrl-C.",
  usage: 'worker -A <module> [-Q q1,q2] [-c n] [options]',
  options: {
    ...APP_OPTION,
    queues: {
      type: 'string',
      short: 'Q',
      multiple: true,
      value: '<q1,q2>',
      description: "Queues to consume, comma-separated or repeated (default: the app's defaultQueue).",
    },
    concurrency: {
      type: 'string',
      short: 'c',
      value: '<n>',
      description: 'Tasks run at once (default: the number of CPUs).',
    },
    pool: {
      type: 'string',
      short: 'P',
      value: '<async|threads>',
      description: 'async runs tasks on the event loop; threads in worker_threads that import -A (default: async).',
    },
    'prefetch-multiplier': {
      type: 'string',
      value: '<n>',
      description: 'Deliveries held per concurrency slot (default: 1).',
    },
    hostname: {
      type: 'string',
      short: 'n',
      value: '<name>',
      description: 'Worker name; %h is the host name, %n its first label, %d the domain (default: pid@host).',
    },
    'max-tasks-per-child': {
      type: 'string',
      value: '<n>',
      description: 'Threads pool: replace a thread after this many tasks.',
    },
    'time-limit': {
      type: 'string',
      value: '<seconds>',
      description: 'Hard time limit of tasks that set none.',
    },
    'soft-time-limit': {
      type: 'string',
      value: '<seconds>',
      description: 'Soft time limit (aborts ctx.signal) of tasks that set none.',
    },
    'shutdown-timeout': {
      type: 'string',
      value: '<ms>',
      description: 'Warm shutdown: how long to wait for running tasks before requeueing them (default: 30000).',
    },
    ...LOGLEVEL_OPTION,
  },
  details: [
    'Logs are pino JSON lines on stdout (default level info). The first SIGTERM or SIGINT is a warm',
    'shutdown (stop taking tasks, finish or requeue the running ones), a second one is cold.',
    '',
    'Example:',
    '  celeriac worker -A ./dist/app.js -Q documents,default -c 10 --loglevel info',
  ].join('\n'),
  run: runWorker,
};

async function runWorker({ values, io, onExit }: CommandContext): Promise<number> {
  const pool = stringValue(values, 'pool') ?? 'async';
  if (pool !== 'async' && pool !== 'threads') throw usageError(`--pool must be async or threads, got "${pool}".`);
  const hostname = stringValue(values, 'hostname');
  const options: WorkerOptions = {
    pool,
    queues: listValue(values, 'queues'),
    concurrency: numberValue(values, 'concurrency', { integer: true, min: 1 }),
    prefetchMultiplier: numberValue(values, 'prefetch-multiplier', { integer: true, min: 1 }),
    hostname: hostname === undefined ? undefined : expandHostname(hostname),
    maxTasksPerChild: numberValue(values, 'max-tasks-per-child', { integer: true, min: 1 }),
    timeLimit: numberValue(values, 'time-limit', { min: 0, unit: 'seconds' }),
    softTimeLimit: numberValue(values, 'soft-time-limit', { min: 0, unit: 'seconds' }),
  };
  const shutdownTimeout = numberValue(values, 'shutdown-timeout', { min: 0, unit: 'milliseconds' }) ?? 30_000;
  const loaded = await loadApp(values, io, { defaultLevel: 'info', bareAllowed: false });
  const { app } = loaded;
  onExit(() => app.close({ timeout: 2_000 }));
  if (pool === 'threads') options.module = loaded.moduleUrl;
  // Drop the options not given, so the worker applies its own defaults.
  for (const key of Object.keys(options) as (keyof WorkerOptions)[]) {
    if (options[key] === undefined) delete options[key];
  }
  const { broker, backend } = await connectApp(loaded, 'worker', 'none');
  const worker = app.worker(options);
  const level = (app.logger as { level?: string } | undefined)?.level ?? 'info';
  const inProcess = broker.capabilities.crossProcess === false;
  const lines = banner(
    `worker ${worker.hostname}`,
    [
      ['app', `${loaded.label} (export ${loaded.exportName})`],
      [
        'transport',
        `${describeAdapter(broker, loaded.brokerUrl)}${inProcess ? ' — in-process: only this process can send to it' : ''}`,
      ],
      ['results', describeAdapter(backend, loaded.backendUrl)],
      ['concurrency', `${worker.concurrency} (${pool} pool, prefetch ${worker.prefetch})`],
      ['log level', level],
    ],
    [
      ['queues', worker.queues],
      ['tasks', [...app.taskNames].sort()],
    ],
  );
  for (const line of lines) io.out(line);
  await worker.start({ handleSignals: true, shutdownTimeout });
  io.out(`${worker.hostname} ready.`);
  // From here the worker's signal handlers shut it down and exit the process.
  return new Promise<number>(() => undefined);
}
