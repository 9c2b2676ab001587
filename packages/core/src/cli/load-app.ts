import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Logger, pino } from 'pino';
import { Celeriac } from '../app/celeriac.ts';
import { maskUrl } from '../app/resolve-url.ts';
import { coerceError } from '../errors/coerce-error.ts';
import { CliError, EXIT, usageError } from './errors.ts';
import { type Io, stringValue, type Values } from './options.ts';

/** The app a command works with, and where it came from (for banners and error messages). */
export interface LoadedApp {
  readonly app: Celeriac;
  /** `-A` as given, when the app came from a module. */
  readonly specifier?: string;
  /** The module's URL (what threads-pool threads import). */
  readonly moduleUrl?: string;
  /** Which export held the app. */
  readonly exportName?: string;
  /** All exports of the module (beat looks for its schedule there). */
  readonly exports?: Readonly<Record<string, unknown>>;
  /** The URLs of a bare app built from `--broker`/`--backend`. */
  readonly brokerUrl?: string;
  readonly backendUrl?: string;
  /** How to name the app in messages: the module, or the masked broker URL. */
  readonly label: string;
}

const LEVELS: Readonly<Record<string, string>> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  fatal: 'fatal',
  critical: 'fatal',
  silent: 'silent',
};

/** `--loglevel` as a pino level (Celery's WARNING and CRITICAL accepted); undefined when not given. */
export function logLevel(values: Values): string | undefined {
  const given = stringValue(values, 'loglevel');
  if (given === undefined) return undefined;
  const level = LEVELS[given.toLowerCase()];
  if (level === undefined) {
    throw usageError(`--loglevel must be one of trace, debug, info, warn, error, fatal, silent; got "${given}".`);
  }
  return level;
}

function isApp(value: unknown): value is Celeriac {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { task?: unknown; worker?: unknown };
  return typeof candidate.task === 'function' && typeof candidate.worker === 'function';
}

/** `-A` → the URL to import: an existing file relative to `cwd`, a URL, or a package resolved from `cwd`. */
function resolveModule(specifier: string, cwd: string): string {
  // A scheme of two letters or more (file:, data:, node:); a Windows drive letter is a path.
  if (/^[a-z][a-z0-9+.-]+:/i.test(specifier)) return specifier;
  const path = resolve(cwd, specifier);
  if (existsSync(path) && statSync(path).isFile()) return pathToFileURL(path).href;
  const isPath = specifier.startsWith('.') || isAbsolute(specifier) || specifier.includes('\\');
  if (!isPath) {
    try {
      return pathToFileURL(createRequire(resolve(cwd, 'package.json')).resolve(specifier)).href;
    } catch {
      // Not a package installed here either: report both readings below.
    }
  }
  const guesses = ['.js', '.mjs', '/index.js']
    .map((ext) => `${specifier}${ext}`)
    .filter((guess) => {
      const guessed = resolve(cwd, guess);
      return existsSync(guessed) && statSync(guessed).isFile();
    });
  const suggestion = guesses.length > 0 ? ` Did you mean -A ${guesses[0]}?` : '';
  const meaning = isPath
    ? `${path} does not exist`
    : `it is neither a file (${path} does not exist) nor a package installed in ${cwd}`;
  throw new CliError(
    EXIT.usage,
    `Cannot load the app module "${specifier}": ${meaning}.${suggestion} Pass -A the path of the module that exports your Celeriac app, relative to the current directory (e.g. -A ./dist/app.js), or a package name.`,
  );
}

/** Import the `-A` module and find its app: the default export, else the `app` export. */
export async function importAppModule(
  specifier: string,
  cwd: string,
): Promise<Required<Pick<LoadedApp, 'app' | 'specifier' | 'moduleUrl' | 'exportName' | 'exports' | 'label'>>> {
  const url = resolveModule(specifier, cwd);
  let exports: Record<string, unknown>;
  try {
    exports = (await import(url)) as Record<string, unknown>;
  } catch (thrown) {
    const error = coerceError(thrown);
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_UNKNOWN_FILE_EXTENSION' && extname(specifier).match(/^\.[cm]?tsx?$/)) {
      throw new CliError(
        EXIT.usage,
        `Cannot load the app module "${specifier}": this Node cannot import TypeScript. Build it and pass the .js file (e.g. -A ./dist/app.js), or run the CLI with a loader: node --import tsx $(npm root)/@celeriac/core/dist/cli/main.js …`,
        { cause: error },
      );
    }
    // Errors of the module's own code (a broker it connects at import) keep their exit code.
    const exitCode = code === 'BROKER_CONNECTION' ? EXIT.unreachable : EXIT.usage;
    throw new CliError(
      exitCode,
      `Cannot load the app module "${specifier}" (${url}): ${error.name}: ${error.message}`,
      {
        cause: error,
      },
    );
  }
  const nested = exports.default as { app?: unknown } | undefined;
  const candidates: [string, unknown][] = [
    ['default', exports.default],
    ['app', exports.app],
    ['default.app', typeof nested === 'object' && nested !== null ? nested.app : undefined],
  ];
  const found = candidates.find(([, value]) => isApp(value));
  if (found === undefined) {
    const names = Object.keys(exports);
    throw new CliError(
      EXIT.usage,
      `The module "${specifier}" does not export a Celeriac app (exports found: ${names.length === 0 ? 'none' : names.join(', ')}). Export it as \`export const app = new Celeriac({ … })\` or \`export default app\`.`,
    );
  }
  return {
    app: found[1] as Celeriac,
    specifier,
    moduleUrl: url,
    exportName: found[0],
    exports,
    label: specifier,
  };
}

/**
 * The app of a command: from `-A <module>`, or a bare app (no tasks) from `--broker`/`--backend`
 * or `CELERIAC_BROKER_URL`/`CELERIAC_RESULT_BACKEND`. Logging: `--loglevel` when given (it also
 * overrides the level of the module's logger), else `CELERIAC_LOG_LEVEL`, else `defaultLevel`.
 */
export async function loadApp(
  values: Values,
  io: Io,
  options: { defaultLevel: string; bareAllowed: boolean },
): Promise<LoadedApp> {
  const specifier = stringValue(values, 'app');
  const brokerOption = stringValue(values, 'broker');
  const backendOption = stringValue(values, 'backend');
  const explicitLevel = logLevel(values);
  const level = explicitLevel ?? nonEmpty(io.env.CELERIAC_LOG_LEVEL) ?? options.defaultLevel;
  if (specifier !== undefined) {
    if (brokerOption !== undefined || backendOption !== undefined) {
      throw usageError(
        'Pass either -A <module> or --broker/--backend, not both: the module configures its own broker.',
      );
    }
    // Loggers Celeriac creates for the module's apps read this variable.
    process.env.CELERIAC_LOG_LEVEL = level;
    const loaded = await importAppModule(specifier, io.cwd);
    if (explicitLevel !== undefined) setLevel(loaded.app.logger, explicitLevel);
    return loaded;
  }
  if (!options.bareAllowed) {
    throw usageError(
      'This command needs your tasks: pass -A <module>, the module that exports your Celeriac app (e.g. -A ./dist/app.js).',
    );
  }
  const brokerUrl = brokerOption ?? nonEmpty(io.env.CELERIAC_BROKER_URL);
  const backendUrl = backendOption ?? nonEmpty(io.env.CELERIAC_RESULT_BACKEND);
  if (brokerUrl === undefined) {
    throw usageError(
      'No app: pass -A <module> (the module that exports your Celeriac app), or --broker <url> (or set CELERIAC_BROKER_URL), e.g. --broker redis://127.0.0.1:6379.',
    );
  }
  // Logs go to stderr, so stdout carries only the command's output (--json stays parseable).
  const logger = pino({ name: 'celeriac', level }, pino.destination(2));
  const app = new Celeriac({ broker: brokerUrl, ...(backendUrl === undefined ? {} : { backend: backendUrl }), logger });
  return { app, brokerUrl, backendUrl, label: maskUrl(brokerUrl) };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function setLevel(logger: Logger | undefined, level: string): void {
  if (logger === undefined) return;
  try {
    logger.level = level;
  } catch {
    // A custom level set the module's logger cannot take: leave it as the module configured it.
  }
}
