import { clientApp } from '../connect.ts';
import { EXIT, usageError } from '../errors.ts';
import { booleanValue, CLIENT_OPTIONS, type Command, type CommandContext } from '../options.ts';
import { printJson } from '../output.ts';

export const controlCommand: Command = {
  name: 'control',
  summary: 'Send a remote-control command to the workers.',
  usage: 'control revoke <task-id>... [--terminate] [options]',
  options: {
    terminate: {
      type: 'boolean',
      description:
        'revoke: also abort the task if it is running (ctx.signal; the thread is killed in the threads pool).',
    },
    ...CLIENT_OPTIONS,
  },
  details: [
    'Actions:',
    '  revoke <task-id>...   workers skip these tasks if they have not started (also workers that',
    '                        start later, for three hours); with --terminate, running ones are aborted.',
    '',
    'Example:',
    '  celeriac control revoke 0b9f6c1e-… --terminate -A ./dist/app.js',
  ].join('\n'),
  run: runControl,
};

async function runControl(context: CommandContext): Promise<number> {
  const { values, positionals, io } = context;
  const [action, ...ids] = positionals;
  if (action !== 'revoke') {
    throw usageError(
      action === undefined ? 'control needs an action: revoke.' : `Unknown control action "${action}": use revoke.`,
    );
  }
  if (ids.length === 0) throw usageError('control revoke needs the id of the task to revoke.');
  const terminate = booleanValue(values, 'terminate');
  const { app } = await clientApp(context, 'control', 'broker');
  for (const id of ids) await app.control.revoke(id, { terminate });
  if (booleanValue(values, 'json')) printJson(io, { revoked: ids, terminate });
  else {
    for (const id of ids) io.out(`Revoked ${id}${terminate ? ' (and terminated if running)' : ''}.`);
  }
  return EXIT.ok;
}
