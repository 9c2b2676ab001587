import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { coerceError } from '../../errors/coerce-error.ts';
import { connectApp } from '../connect.ts';
import { CliError, EXIT, usageError } from '../errors.ts';
import { loadApp } from '../load-app.ts';
import {
  APP_OPTION,
  BARE_APP_OPTIONS,
  booleanValue,
  type Command,
  type CommandContext,
  type Io,
  LOGLEVEL_OPTION,
  numberValue,
  stringValue,
} from '../options.ts';
import { untilSignal } from '../signals.ts';

const MONITOR_PACKAGE = '@celeriac/monitor-http';
const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|::1|\[::1\])$/i;

/** What the CLI uses of `@celeriac/monitor-http`. */
interface MonitorModule {
  createMonitor(app: unknown, options: Record<string, unknown>): MonitorLike;
}

interface MonitorLike {
  listen(port: number, host?: string): unknown;
  close?(): unknown;
}

export const monitorCommand: Command = {
  name: 'monitor',
  summary: 'Serve the HTTP monitor (dashboard, JSON API, event stream, metrics) of @celeriac/monitor-http.',
  usage: 'monitor -A <module> [--port 5555] [--host 127.0.0.1] [options]',
  options: {
    ...APP_OPTION,
    ...BARE_APP_OPTIONS,
    port: { type: 'string', short: 'p', value: '<port>', description: 'Port to listen on (default: 5555).' },
    host: { type: 'string', value: '<host>', description: 'Address to listen on (default: 127.0.0.1).' },
    token: {
      type: 'string',
      value: '<token>',
      description: 'Require `Authorization: Bearer <token>` (else $CELERIAC_MONITOR_TOKEN).',
    },
    'basic-auth': {
      type: 'string',
      value: '<user:password>',
      description: 'Require this user and password (else $CELERIAC_MONITOR_BASIC_AUTH).',
    },
    'read-only': { type: 'boolean', description: 'Show everything, allow no action (revoke, purge, retry…).' },
    'public-healthcheck': {
      type: 'boolean',
      description: 'Serve GET /healthcheck without credentials (load balancers).',
    },
    insecure: { type: 'boolean', description: 'Allow listening on a non-loopback address without auth.' },
    ...LOGLEVEL_OPTION,
  },
  details: [
    `Needs the package ${MONITOR_PACKAGE} (npm install ${MONITOR_PACKAGE}). Prefer the environment`,
    'variables to --token/--basic-auth: command lines are visible to other users of the machine.',
    '',
    'Example:',
    '  CELERIAC_MONITOR_TOKEN=s3cret celeriac monitor -A ./dist/app.js --port 5555',
  ].join('\n'),
  run: runMonitor,
};

async function runMonitor({ values, io, onExit }: CommandContext): Promise<number> {
  const port = numberValue(values, 'port', { integer: true, min: 0 }) ?? 5555;
  if (port > 65_535) throw usageError(`--port must be from 0 to 65535, got ${port}.`);
  const host = stringValue(values, 'host') ?? '127.0.0.1';
  const options = monitorOptions(values, io);
  if (options.auth === undefined && options.insecure !== true && !LOOPBACK.test(host)) {
    throw usageError(
      `Refusing to serve the monitor on ${host} without authentication: pass --token or --basic-auth (or set CELERIAC_MONITOR_TOKEN / CELERIAC_MONITOR_BASIC_AUTH), or --insecure to expose it anyway.`,
    );
  }
  const { createMonitor } = await importMonitor(io.cwd);
  const loaded = await loadApp(values, io, { defaultLevel: 'info', bareAllowed: true });
  onExit(() => loaded.app.close({ timeout: 2_000 }));
  await connectApp(loaded, 'monitor', 'broker');
  const monitor = createMonitor(loaded.app, options);
  onExit(async () => {
    await monitor.close?.();
  });
  let listening: unknown;
  try {
    listening = await monitor.listen(port, host);
  } catch (thrown) {
    const error = coerceError(thrown);
    const code = (error as { code?: unknown }).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      throw new CliError(
        EXIT.usage,
        `Cannot listen on ${host}:${port} (${error.message}): choose another --port or --host.`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
  const url = (listening as { url?: unknown } | undefined)?.url;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  io.out(`Monitor of ${loaded.label} listening on ${typeof url === 'string' ? url : `http://${shownHost}:${port}/`}`);
  await untilSignal(io);
  return EXIT.ok;
}

function monitorOptions(values: CommandContext['values'], io: Io): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  const token = stringValue(values, 'token') ?? io.env.CELERIAC_MONITOR_TOKEN;
  const basic = stringValue(values, 'basic-auth') ?? io.env.CELERIAC_MONITOR_BASIC_AUTH;
  if (token !== undefined && token !== '' && basic !== undefined && basic !== '') {
    throw usageError('Give the monitor one kind of auth: a token or a user:password, not both.');
  }
  if (token !== undefined && token !== '') options.auth = { token };
  else if (basic !== undefined && basic !== '') {
    const colon = basic.indexOf(':');
    if (colon <= 0) throw usageError('--basic-auth must be user:password.');
    options.auth = { username: basic.slice(0, colon), password: basic.slice(colon + 1) };
  }
  if (booleanValue(values, 'read-only')) options.readOnly = true;
  if (booleanValue(values, 'insecure')) options.insecure = true;
  if (booleanValue(values, 'public-healthcheck')) options.publicHealthcheck = true;
  return options;
}

/** Import the monitor package: beside this CLI, else from the current directory's project. */
async function importMonitor(cwd: string): Promise<MonitorModule> {
  let module: Partial<MonitorModule> | undefined;
  let failure: Error | undefined;
  for (const specifier of [MONITOR_PACKAGE, fromProject(cwd)]) {
    if (specifier === undefined) continue;
    try {
      module = (await import(specifier)) as Partial<MonitorModule>;
      break;
    } catch (thrown) {
      const error = coerceError(thrown);
      const code = (error as { code?: unknown }).code;
      const missing =
        (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
        error.message.includes(`'${MONITOR_PACKAGE}'`);
      // The package missing is expected; anything else (its build or a dependency missing) is a broken install.
      if (!missing) failure ??= error;
    }
  }
  if (module === undefined) {
    if (failure !== undefined) {
      throw new CliError(
        EXIT.usage,
        `Cannot load ${MONITOR_PACKAGE}: ${failure.message}. Reinstall it (npm install ${MONITOR_PACKAGE}); in the Celeriac repository, build it first (npx tsc -b).`,
        { cause: failure },
      );
    }
    throw new CliError(
      EXIT.usage,
      `celeriac monitor needs the package ${MONITOR_PACKAGE}, which is not installed. Run \`npm install ${MONITOR_PACKAGE}\` in your project, then run this command again.`,
    );
  }
  if (typeof module.createMonitor !== 'function') {
    throw new CliError(
      EXIT.usage,
      `${MONITOR_PACKAGE} does not export createMonitor: install a version that matches @celeriac/core.`,
    );
  }
  return module as MonitorModule;
}

function fromProject(cwd: string): string | undefined {
  try {
    return pathToFileURL(createRequire(resolve(cwd, 'package.json')).resolve(MONITOR_PACKAGE)).href;
  } catch {
    return undefined;
  }
}
