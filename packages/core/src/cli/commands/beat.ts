import { banner, describeAdapter } from '../banner.ts';
import { connectApp } from '../connect.ts';
import { CliError, EXIT } from '../errors.ts';
import { type LoadedApp, loadApp } from '../load-app.ts';
import { APP_OPTION, type Command, type CommandContext, LOGLEVEL_OPTION } from '../options.ts';
import { untilSignal } from '../signals.ts';

/** What the CLI uses of a beat (`app.beat(options)`). */
interface BeatLike {
  start(): Promise<void>;
  close(): Promise<void>;
  readonly name?: string;
  readonly isLeader?: boolean;
}

export const beatCommand: Command = {
  name: 'beat',
  summary: "Run the beat scheduler: send the app's periodic tasks when they fall due.",
  usage: 'beat -A <module> [options]',
  options: { ...APP_OPTION, ...LOGLEVEL_OPTION },
  details: [
    'The module exports the app and, beside it, the schedule: `beatSchedule` (entry name →',
    '{ task, schedule, args?, options? }) or `beatOptions` (all options of app.beat()).',
    'Several beat processes may run: one leads and sends, the others stand by and take over when',
    'it stops. SIGTERM or Ctrl-C stops the beat and hands the lead over at once.',
    '',
    'Example:',
    '  // app.js',
    "  export const app = new Celeriac({ broker: 'redis://127.0.0.1:6379' });",
    "  export const beatSchedule = { cleanup: { task: 'cleanup.run', schedule: every('1h') } };",
    '',
    '  celeriac beat -A ./dist/app.js',
  ].join('\n'),
  run: runBeat,
};

async function runBeat({ values, io, onExit }: CommandContext): Promise<number> {
  const loaded = await loadApp(values, io, { defaultLevel: 'info', bareAllowed: false });
  const { app } = loaded;
  onExit(() => app.close({ timeout: 2_000 }));
  const factory = (app as unknown as { beat?: unknown }).beat;
  if (typeof factory !== 'function') {
    throw new CliError(
      EXIT.usage,
      `The app in "${loaded.specifier}" has no beat(): it comes from a @celeriac/core without the beat scheduler; install a version that matches this CLI.`,
    );
  }
  const options = beatOptions(loaded);
  const beat = factory.call(app, options) as BeatLike;
  const { broker, backend } = await connectApp(loaded, 'beat', 'none');
  const entries = Object.entries(options.schedule as Record<string, { task?: unknown; schedule?: unknown }>).map(
    ([name, entry]) => {
      const task = typeof entry.task === 'string' ? entry.task : (entry.task as { name?: string } | undefined)?.name;
      return `${name}: ${String(task)} ${String(entry.schedule)}`;
    },
  );
  const lines = banner(
    `beat ${beat.name ?? ''}`.trim(),
    [
      ['app', `${loaded.label} (export ${loaded.exportName})`],
      ['transport', describeAdapter(broker, loaded.brokerUrl)],
      ['results', `${describeAdapter(backend, loaded.backendUrl)} (leader lock, last-run times)`],
      ['log level', (app.logger as { level?: string } | undefined)?.level ?? 'info'],
    ],
    [['schedule', entries]],
  );
  for (const line of lines) io.out(line);
  await beat.start();
  io.out(
    `beat ${beat.name ?? ''} started${beat.isLeader === true ? ' (leading)' : beat.isLeader === false ? ' (standing by)' : ''}.`.replace(
      '  ',
      ' ',
    ),
  );
  await untilSignal(io);
  await beat.close();
  return EXIT.ok;
}

/** The module's `beatOptions`, else `{ schedule: beatSchedule }`. */
function beatOptions(loaded: LoadedApp): { schedule: unknown } & Record<string, unknown> {
  const exports = loaded.exports ?? {};
  const isObject = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value);
  if (isObject(exports.beatOptions)) return { ...exports.beatOptions, schedule: exports.beatOptions.schedule };
  if (isObject(exports.beatSchedule)) return { schedule: exports.beatSchedule };
  throw new CliError(
    EXIT.usage,
    `The module "${loaded.specifier}" exports no beat schedule: export \`beatSchedule\` beside the app (entry name → { task, schedule }), e.g. export const beatSchedule = { cleanup: { task: 'cleanup.run', schedule: every('1h') } }, or \`beatOptions\` (the options of app.beat()).`,
  );
}
