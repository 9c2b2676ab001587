import type { Replies, TaskSummary } from '../../control/control.ts';
import type { Json } from '../../json/json.ts';
import { clientApp } from '../connect.ts';
import { EXIT, usageError } from '../errors.ts';
import {
  booleanValue,
  CLIENT_OPTIONS,
  type Command,
  type CommandContext,
  type Io,
  numberValue,
  TIMEOUT_OPTION,
} from '../options.ts';
import { brief, bytes, cell, duration, plural, printJson, table } from '../output.ts';

const KINDS = ['active', 'reserved', 'scheduled', 'stats', 'registered'] as const;
type Kind = (typeof KINDS)[number];

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'Ask every live worker what it runs, holds, counts or knows.',
  usage: 'inspect active|reserved|scheduled|stats|registered [options]',
  options: { ...TIMEOUT_OPTION, ...CLIENT_OPTIONS },
  details: [
    'What:',
    '  active       tasks running now',
    '  reserved     tasks received and waiting for a free slot (prefetched)',
    '  scheduled    tasks held for a later eta (always empty: delayed tasks wait in the broker)',
    '  stats        pid, pool, concurrency, queues, counts, uptime, memory of each worker',
    '  registered   task names each worker knows',
    '',
    'Replies are gathered for --timeout ms; exit code 4 when no worker replied.',
    '',
    'Example:',
    '  celeriac inspect active -A ./dist/app.js',
    '  celeriac inspect stats --broker redis://127.0.0.1:6379 --json',
  ].join('\n'),
  run: runInspect,
};

async function runInspect(context: CommandContext): Promise<number> {
  const { values, positionals, io } = context;
  const kind = positionals[0];
  if (kind === undefined || !(KINDS as readonly string[]).includes(kind)) {
    throw usageError(
      kind === undefined
        ? `inspect needs what to ask: ${KINDS.join(', ')}.`
        : `Unknown inspect "${kind}": use one of ${KINDS.join(', ')}.`,
    );
  }
  if (positionals.length > 1) throw usageError(`Unexpected argument "${positionals[1]}".`);
  const timeout = numberValue(values, 'timeout', { integer: true, min: 1, unit: 'milliseconds' }) ?? 1_000;
  const { app } = await clientApp(context, 'inspect', 'broker');
  const replies = (await app.control.inspect({ timeout })[kind as Kind]()) as Replies<Json>;
  if (booleanValue(values, 'json')) printJson(io, replies);
  else render(io, kind as Kind, replies);
  return noReplies(io, replies, timeout) ? EXIT.timeout : EXIT.ok;
}

/** Say so on stderr when no worker replied. */
export function noReplies(io: Io, replies: Readonly<Record<string, unknown>>, timeout: number): boolean {
  if (Object.keys(replies).length > 0) return false;
  io.err(`No workers replied within ${timeout} ms. Is a worker running on this broker? (celeriac status)`);
  return true;
}

function render(io: Io, kind: Kind, replies: Replies<Json>): void {
  const hosts = Object.keys(replies).sort();
  if (hosts.length === 0) return;
  let lines: string[];
  let summary: string;
  if (kind === 'stats') {
    lines = statsTable(replies as Replies<Record<string, Json>>);
    summary = `${plural(hosts.length, 'worker')} replied.`;
  } else if (kind === 'registered') {
    const rows = hosts.flatMap((host) => listOf(replies[host] as string[] | undefined).map((name) => [host, name]));
    lines = rows.length === 0 ? [] : table(['WORKER', 'TASK'], rows);
    summary = `${plural(rows.length, 'registration')} on ${plural(hosts.length, 'worker')}.`;
  } else {
    const tasks = replies as unknown as Replies<TaskSummary[]>;
    const now = Date.now();
    const rows = hosts.flatMap((host) =>
      listOf(tasks[host]).map((task) => {
        const row = [host, task.id, task.name, brief(task.args), task.queue, String(task.retries)];
        if (kind === 'active') row.push(task.startedAt === undefined ? '-' : duration((now - task.startedAt) / 1000));
        return row;
      }),
    );
    const headers = ['WORKER', 'ID', 'TASK', 'ARGS', 'QUEUE', 'RETRIES'];
    if (kind === 'active') headers.push('RUNNING');
    lines = rows.length === 0 ? [] : table(headers, rows);
    const idle = hosts.filter((host) => listOf(tasks[host]).length === 0);
    if (idle.length > 0) lines.push(`No ${kind} tasks on ${idle.join(', ')}.`);
    summary = `${plural(rows.length, `${kind} task`)} on ${plural(hosts.length, 'worker')}.`;
  }
  for (const line of lines) io.out(line);
  io.out(summary);
}

/** One row per worker from `inspect stats`. */
export function statsTable(replies: Replies<Record<string, Json>>): string[] {
  const rows = Object.keys(replies)
    .sort()
    .map((host) => {
      const stats = replies[host] ?? {};
      return [
        host,
        cell(stats.pid),
        cell(stats.pool),
        cell(stats.concurrency),
        cell(stats.queues),
        cell(stats.active),
        cell(stats.reserved),
        cell(stats.processed),
        typeof stats.uptime === 'number' ? duration(stats.uptime) : '-',
        typeof stats.rss === 'number' ? bytes(stats.rss) : '-',
      ];
    });
  return table(
    ['WORKER', 'PID', 'POOL', 'CONCURRENCY', 'QUEUES', 'ACTIVE', 'RESERVED', 'PROCESSED', 'UPTIME', 'RSS'],
    rows,
  );
}

/** A worker's list reply, or none when it answered something else (another version, an error). */
function listOf<T>(reply: T[] | undefined): T[] {
  return Array.isArray(reply) ? reply : [];
}
