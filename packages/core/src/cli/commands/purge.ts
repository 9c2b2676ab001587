import { clientApp } from '../connect.ts';
import { CliError, EXIT, usageError } from '../errors.ts';
import { booleanValue, CLIENT_OPTIONS, type Command, type CommandContext, listValue } from '../options.ts';
import { plural, printJson } from '../output.ts';

export const purgeCommand: Command = {
  name: 'purge',
  summary: 'Remove every waiting (ready and delayed) message of queues, for good.',
  usage: 'purge -Q <queue>[,<queue>...] [-f] [options]',
  options: {
    queues: {
      type: 'string',
      short: 'Q',
      multiple: true,
      value: '<q1,q2>',
      description: 'Queues to purge, comma-separated or repeated (required).',
    },
    force: {
      type: 'boolean',
      short: 'f',
      description: 'Do not ask for confirmation (needed when stdin is not a terminal).',
    },
    ...CLIENT_OPTIONS,
  },
  details: [
    'Running tasks and dead letters are not touched. On a terminal, purge shows what waits and asks',
    'first; elsewhere it refuses without -f (exit code 2).',
    '',
    'Example:',
    '  celeriac purge -Q default -A ./dist/app.js',
    '  celeriac purge -Q emails,reports -f --broker redis://127.0.0.1:6379',
  ].join('\n'),
  run: runPurge,
};

async function runPurge(context: CommandContext): Promise<number> {
  const { values, positionals, io } = context;
  if (positionals.length > 0) throw usageError(`Unexpected argument "${positionals[0]}": name queues with -Q.`);
  const queues = listValue(values, 'queues');
  if (queues === undefined)
    throw usageError('purge needs the queues to empty: -Q <queue> (comma-separated for several).');
  const force = booleanValue(values, 'force');
  if (!force && !io.stdinIsTty) {
    throw usageError('purge asks for confirmation, but stdin is not a terminal: pass -f to purge without asking.');
  }
  const { app, broker } = await clientApp(context, 'purge', 'broker');
  if (!force) {
    const stats = await Promise.all(queues.map((queue) => broker.stats(queue)));
    queues.forEach((queue, i) => {
      const { ready, delayed } = stats[i] ?? { ready: 0, delayed: 0 };
      io.err(`${queue}: ${plural(ready, 'ready message')}, ${delayed} delayed.`);
    });
    const answer = await io.ask(`Remove every waiting message of ${queues.join(', ')} for good? [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) throw new CliError(EXIT.failure, 'Aborted: nothing was purged.');
  }
  const purged: Record<string, number> = {};
  for (const queue of queues) purged[queue] = await app.control.purge(queue);
  const total = Object.values(purged).reduce((sum, count) => sum + count, 0);
  if (booleanValue(values, 'json')) printJson(io, { purged, total });
  else {
    for (const queue of queues) io.out(`Purged ${plural(purged[queue] ?? 0, 'message')} from ${queue}.`);
    if (queues.length > 1) io.out(`${plural(total, 'message')} purged in total.`);
  }
  return EXIT.ok;
}
