import { parseArgs } from 'node:util';
import { usageError } from './errors.ts';

/** One option of a command: what `parseArgs` needs, plus what `--help` shows. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** May be given more than once (values are collected; comma lists are split by the command). */
  readonly multiple?: boolean;
  /** Placeholder of the value in help, e.g. `<module>`. */
  readonly value?: string;
  readonly description: string;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** Parsed option values, by long name. */
export type Values = Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;

/** Where a command writes, and what it knows of the terminal. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  readonly stdinIsTty: boolean;
  /** Ask on the terminal (stderr) and resolve to the answer line. */
  ask(question: string): Promise<string>;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

/** What a command's `run` receives. */
export interface CommandContext {
  readonly values: Values;
  readonly positionals: readonly string[];
  readonly io: Io;
  /** Close this (an app, a server) before the process exits. */
  onExit(close: () => Promise<void>): void;
}

/** One `celeriac <name>` command. `run` resolves to the exit code. */
export interface Command {
  readonly name: string;
  /** One line, for the command list. */
  readonly summary: string;
  /** Synopsis after `celeriac `, e.g. `worker -A <module> [options]`. */
  readonly usage: string;
  /** Paragraphs after the options in `--help` (notes, examples). */
  readonly details?: string;
  readonly options: OptionSpecs;
  run(context: CommandContext): Promise<number>;
}

export const HELP_OPTION: OptionSpecs = {
  help: { type: 'boolean', short: 'h', description: 'Show this help.' },
};

export const APP_OPTION: OptionSpecs = {
  app: {
    type: 'string',
    short: 'A',
    value: '<module>',
    description:
      'Module that exports the app (default export or `app`): a path relative to the current directory, a package name, or a file: URL.',
  },
};

export const BARE_APP_OPTIONS: OptionSpecs = {
  broker: {
    type: 'string',
    value: '<url>',
    description: 'Without -A: the broker URL (else $CELERIAC_BROKER_URL). memory:// cannot reach other processes.',
  },
  backend: {
    type: 'string',
    value: '<url>',
    description: 'Without -A: the result backend URL (else $CELERIAC_RESULT_BACKEND, else the broker URL).',
  },
};

export const JSON_OPTION: OptionSpecs = {
  json: { type: 'boolean', description: 'Print one JSON document on stdout (for scripts).' },
};

export const LOGLEVEL_OPTION: OptionSpecs = {
  loglevel: {
    type: 'string',
    short: 'l',
    value: '<level>',
    description: 'Log level: trace, debug, info, warn, error, fatal or silent.',
  },
};

/** Parse `args` against the command's options (and `--help`); unknown options are usage errors. */
export function parseCommandArgs(command: Command, args: readonly string[]): { values: Values; positionals: string[] } {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, spec] of Object.entries({ ...command.options, ...HELP_OPTION })) {
    options[name] = { type: spec.type };
    if (spec.short !== undefined) options[name].short = spec.short;
    if (spec.multiple === true) options[name].multiple = true;
  }
  try {
    const parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
    return { values: parsed.values, positionals: parsed.positionals };
  } catch (error) {
    // parseArgs messages name the option and what is wrong with it; drop its advice about '--'.
    const message = (error as Error).message.replace(/\s*To specify .*$/s, '').replace(/\.?$/, '.');
    throw usageError(message);
  }
}

/** The `--help` text of a command. */
export function commandHelp(command: Command): string {
  const specs = Object.entries({ ...command.options, ...HELP_OPTION });
  const labels = specs.map(([name, spec]) => {
    const short = spec.short === undefined ? '    ' : `-${spec.short}, `;
    return `${short}--${name}${spec.value === undefined ? '' : ` ${spec.value}`}`;
  });
  const width = Math.max(...labels.map((label) => label.length)) + 2;
  const lines = [`Usage: celeriac ${command.usage}`, '', command.summary, '', 'Options:'];
  specs.forEach(([, spec], i) => {
    const [first = '', ...rest] = wrap(spec.description, Math.max(40, HELP_WIDTH - width - 2));
    lines.push(`  ${(labels[i] as string).padEnd(width)}${first}`);
    for (const line of rest) lines.push(`${' '.repeat(width + 2)}${line}`);
  });
  if (command.details !== undefined) lines.push('', command.details);
  return lines.join('\n');
}

/** Help lines are wrapped to this many columns. */
const HELP_WIDTH = 100;

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  lines.push(line);
  return lines;
}

export function stringValue(values: Values, name: string): string | undefined {
  const value = values[name];
  if (Array.isArray(value)) return value.length === 0 ? undefined : String(value[value.length - 1]);
  return typeof value === 'string' ? value : undefined;
}

export function booleanValue(values: Values, name: string): boolean {
  return values[name] === true;
}

/** Values of a repeatable option, comma lists split, blanks dropped; undefined when not given. */
export function listValue(values: Values, name: string): string[] | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  const items = (Array.isArray(value) ? value : [value])
    .flatMap((item) => String(item).split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');
  if (items.length === 0) throw usageError(`--${name} needs at least one name, e.g. --${name} default.`);
  return items;
}

/** A number option, checked: `integer` and `min` as given. */
export function numberValue(
  values: Values,
  name: string,
  rule: { integer?: boolean; min?: number; unit?: string } = {},
): number | undefined {
  const text = stringValue(values, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  const wanted = `${rule.integer === true ? 'an integer' : 'a number'}${rule.min === undefined ? '' : ` ≥ ${rule.min}`}${rule.unit === undefined ? '' : ` (${rule.unit})`}`;
  if (
    text.trim() === '' ||
    !Number.isFinite(value) ||
    (rule.integer === true && !Number.isInteger(value)) ||
    (rule.min !== undefined && value < rule.min)
  ) {
    throw usageError(`--${name} must be ${wanted}, got "${text}".`);
  }
  return value;
}

/** A JSON option: `--args '[1, 2]'` (an array) or `--kwargs '{"a": 1}'` (an object). */
export function jsonValue(values: Values, name: string, kind: 'array' | 'object'): unknown {
  const text = stringValue(values, name);
  if (text === undefined) return undefined;
  const example = kind === 'array' ? `--${name} '[1, "two"]'` : `--${name} '{"key": "value"}'`;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw usageError(`--${name} is not valid JSON (${(error as Error).message}); for example ${example}.`);
  }
  const ok =
    kind === 'array' ? Array.isArray(value) : typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!ok) throw usageError(`--${name} must be a JSON ${kind}, for example ${example}.`);
  return value;
}

/** Options of every command that talks to workers from its own process. */
export const CLIENT_OPTIONS: OptionSpecs = { ...APP_OPTION, ...BARE_APP_OPTIONS, ...JSON_OPTION, ...LOGLEVEL_OPTION };

export const TIMEOUT_OPTION: OptionSpecs = {
  timeout: { type: 'string', short: 't', value: '<ms>', description: 'How long to wait for replies (default: 1000).' },
};
