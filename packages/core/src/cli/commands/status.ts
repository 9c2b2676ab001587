import type { Json } from '../../json/json.ts';
import { clientApp } from '../connect.ts';
import { EXIT, usageError } from '../errors.ts';
import {
  booleanValue,
  CLIENT_OPTIONS,
  type Command,
  type CommandContext,
  numberValue,
  TIMEOUT_OPTION,
} from '../options.ts';
import { cell, duration, plural, printJson, table } from '../output.ts';
import { noReplies } from './inspect.ts';

export const statusCommand: Command = {
  name: 'status',
  summary: 'Ping the workers and list the ones that answer.',
  usage: 'status [options]',
  options: { ...TIMEOUT_OPTION, ...CLIENT_OPTIONS },
  details: [
    'Exit code 0 when at least one worker answered, 4 when none did within --timeout ms.',
    '',
    'Example:',
    '  celeriac status -A ./dist/app.js',
    '  celeriac status --broker redis://127.0.0.1:6379 --json',
  ].join('\n'),
  run: runStatus,
};

async function runStatus(context: CommandContext): Promise<number> {
  const { values, positionals, io } = context;
  if (positionals.length > 0) throw usageError(`Unexpected argument "${positionals[0]}".`);
  const timeout = numberValue(values, 'timeout', { integer: true, min: 1, unit: 'milliseconds' }) ?? 1_000;
  const { app } = await clientApp(context, 'status', 'broker');
  const [pongs, stats] = await Promise.all([app.control.ping({ timeout }), app.control.inspect({ timeout }).stats()]);
  const hosts = Object.keys(pongs).sort();
  if (booleanValue(values, 'json')) {
    const workers: Record<string, { ok: string; stats: Record<string, Json> | null }> = {};
    for (const host of hosts) workers[host] = { ok: pongs[host]?.ok ?? 'pong', stats: stats[host] ?? null };
    printJson(io, { online: hosts.length, workers });
  } else if (hosts.length > 0) {
    const rows = hosts.map((host) => {
      const worker = stats[host] ?? {};
      return [
        host,
        pongs[host]?.ok === 'pong' ? 'OK' : cell(pongs[host]?.ok),
        cell(worker.pid),
        cell(worker.pool),
        cell(worker.concurrency),
        cell(worker.queues),
        cell(worker.active),
        cell(worker.processed),
        typeof worker.uptime === 'number' ? duration(worker.uptime) : '-',
      ];
    });
    const lines = table(
      ['WORKER', 'STATUS', 'PID', 'POOL', 'CONCURRENCY', 'QUEUES', 'ACTIVE', 'PROCESSED', 'UPTIME'],
      rows,
    );
    for (const line of lines) io.out(line);
    io.out(`${plural(hosts.length, 'worker')} online.`);
  }
  return noReplies(io, pongs, timeout) ? EXIT.timeout : EXIT.ok;
}
