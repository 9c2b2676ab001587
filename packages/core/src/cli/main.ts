#!/usr/bin/env node
// The `celeriac` command (bin of @celeriac/core). One file per command under ./commands/.
import { createInterface } from 'node:readline/promises';
import { coerceError } from '../errors/coerce-error.ts';
import { coreVersion } from './banner.ts';
import { beatCommand } from './commands/beat.ts';
import { callCommand } from './commands/call.ts';
import { controlCommand } from './commands/control.ts';
import { inspectCommand } from './commands/inspect.ts';
import { monitorCommand } from './commands/monitor.ts';
import { purgeCommand } from './commands/purge.ts';
import { resultCommand } from './commands/result.ts';
import { statusCommand } from './commands/status.ts';
import { workerCommand } from './commands/worker.ts';
import { CliError, EXIT, exitCodeOf } from './errors.ts';
import { type Command, commandHelp, type Io, parseCommandArgs } from './options.ts';

const COMMANDS: readonly Command[] = [
  workerCommand,
  beatCommand,
  monitorCommand,
  inspectCommand,
  controlCommand,
  purgeCommand,
  callCommand,
  resultCommand,
  statusCommand,
];

/** Options that may come before the command (`celeriac -A ./app.js worker`), with their values. */
const LEADING_WITH_VALUE = new Set(['-A', '--app', '--broker', '--backend', '-l', '--loglevel']);

/** How long the app's connections may take to close before the process exits anyway. */
const CLOSE_DEADLINE_MS = 3_000;

function usage(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length)) + 2;
  return [
    'Usage: celeriac <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}${command.summary}`),
    '',
    'The app: -A <module> loads the module that exports your Celeriac app (default export or `app`).',
    'Commands that only talk to workers (inspect, control, purge, call, result, status) also work',
    'without your code: --broker <url> [--backend <url>], or CELERIAC_BROKER_URL / CELERIAC_RESULT_BACKEND.',
    '',
    'Output is for people; --json prints one JSON document for scripts.',
    'Exit codes: 0 ok, 1 task failed or error, 2 usage or configuration, 3 broker unreachable,',
    '4 no reply or result in time.',
    '',
    'Run `celeriac <command> --help` for the options of a command. Version: celeriac --version.',
  ].join('\n');
}

/** `celeriac [leading options] <command> [arguments]` → the command name and all its arguments. */
function splitCommand(argv: readonly string[]): { name: string | undefined; args: string[] } {
  const leading: string[] = [];
  let i = 0;
  while (i < argv.length) {
    const arg = argv[i] as string;
    if (!arg.startsWith('-') || arg === '--') break;
    leading.push(arg);
    if (LEADING_WITH_VALUE.has(arg) && i + 1 < argv.length) leading.push(argv[++i] as string);
    i++;
  }
  return { name: argv[i], args: [...leading, ...argv.slice(i + 1)] };
}

/** The closest command name, for "did you mean" (edit distance ≤ 2). */
function closest(name: string): string | undefined {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let previous = row[0] as number;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const current = row[j] as number;
        row[j] = Math.min(current + 1, (row[j - 1] as number) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
        previous = current;
      }
    }
    return row[b.length] as number;
  };
  const ranked = COMMANDS.map((command) => ({ name: command.name, d: distance(name, command.name) })).sort(
    (x, y) => x.d - y.d,
  );
  return ranked[0] !== undefined && ranked[0].d <= 2 ? ranked[0].name : undefined;
}

async function main(argv: readonly string[], io: Io): Promise<number> {
  const { name, args } = splitCommand(argv);
  const wantsHelp = args.includes('--help') || args.includes('-h');
  if (name === undefined || name === 'help') {
    const topic = name === 'help' ? COMMANDS.find((command) => command.name === args[0]) : undefined;
    if (topic !== undefined) {
      io.out(commandHelp(topic));
      return EXIT.ok;
    }
    if (argv.includes('--version') || argv.includes('-V')) {
      io.out(coreVersion());
      return EXIT.ok;
    }
    if (wantsHelp || name === 'help') {
      io.out(usage());
      return EXIT.ok;
    }
    io.err(usage());
    return EXIT.usage;
  }
  if (name === 'version') {
    io.out(coreVersion());
    return EXIT.ok;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (command === undefined) {
    const guess = closest(name);
    io.err(`Error: unknown command "${name}".${guess === undefined ? '' : ` Did you mean "${guess}"?`}`);
    io.err('');
    io.err(usage());
    return EXIT.usage;
  }
  const closers: (() => Promise<void>)[] = [];
  try {
    const { values, positionals } = parseCommandArgs(command, args);
    if (values.help === true) {
      io.out(commandHelp(command));
      return EXIT.ok;
    }
    return await command.run({ values, positionals, io, onExit: (close) => closers.push(close) });
  } catch (thrown) {
    report(io, command, thrown);
    return exitCodeOf(thrown);
  } finally {
    await closeAll(closers);
  }
}

function report(io: Io, command: Command, thrown: unknown): void {
  const error = coerceError(thrown);
  io.err(`Error: ${error.message}`);
  if (error instanceof CliError && error.hint) io.err(`Run \`celeriac ${command.name} --help\` for usage.`);
  if (!(error instanceof CliError) && (error as { code?: unknown }).code === undefined) {
    // Not one of ours: a bug or an unexpected failure; the stack says where.
    io.err(error.stack ?? String(error));
  } else if (io.env.CELERIAC_DEBUG) {
    io.err(error.stack ?? String(error));
  }
}

async function closeAll(closers: readonly (() => Promise<void>)[]): Promise<void> {
  if (closers.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled(closers.map((close) => close())),
    new Promise((resolve) => {
      timer = setTimeout(resolve, CLOSE_DEADLINE_MS);
    }),
  ]);
  clearTimeout(timer);
}

function flush(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.writableLength === 0) resolve();
    else stream.write('', () => resolve());
  });
}

const io: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  stdinIsTty: process.stdin.isTTY === true,
  env: process.env,
  cwd: process.cwd(),
  async ask(question) {
    const prompt = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return await prompt.question(question);
    } finally {
      prompt.close();
    }
  },
};

// `celeriac inspect stats | head -1` closes stdout early: that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(EXIT.ok);
});

main(process.argv.slice(2), io).then(
  async (code) => {
    await Promise.all([flush(process.stdout), flush(process.stderr)]);
    // Exit now: connections of the module's own broker instances (not closed by app.close) would keep the process up.
    process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`${coerceError(error).stack}\n`);
    process.exit(EXIT.failure);
  },
);
