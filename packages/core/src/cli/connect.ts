import { maskUrl } from '../app/resolve-url.ts';
import type { ResultBackend } from '../backend/result-backend.ts';
import type { Broker } from '../broker/broker.ts';
import { coerceError } from '../errors/coerce-error.ts';
import { CliError, EXIT } from './errors.ts';
import { type LoadedApp, loadApp } from './load-app.ts';
import type { CommandContext } from './options.ts';

/** How long a command waits for the broker and backend before giving up (exit 3). */
export const CONNECT_TIMEOUT_MS = 10_000;

/** What a command needs to share with other processes (a worker, a producer). */
export type Needs = 'broker' | 'backend' | 'both' | 'none';

/**
 * Connect the app's broker and backend within {@link CONNECT_TIMEOUT_MS}, and check that what the
 * command shares with another process is not an in-process (memory) adapter.
 */
export async function connectApp(
  loaded: LoadedApp,
  command: string,
  needs: Needs,
): Promise<{ broker: Broker; backend: ResultBackend | undefined }> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no connection within ${CONNECT_TIMEOUT_MS / 1000} s`)),
      CONNECT_TIMEOUT_MS,
    );
  });
  let connected: { broker: Broker; backend: ResultBackend | undefined };
  try {
    connected = await Promise.race([loaded.app.connect(), deadline]);
  } catch (thrown) {
    const error = coerceError(thrown);
    if ((error as { code?: unknown }).code === 'CONFIG')
      throw new CliError(EXIT.usage, error.message, { cause: error });
    // Adapters name their URL (masked) in their errors; say it here only when they did not.
    const url = loaded.brokerUrl === undefined ? undefined : maskUrl(loaded.brokerUrl);
    const named = url !== undefined && error.message.includes(url);
    throw new CliError(EXIT.unreachable, `Cannot reach ${named ? 'the broker' : where(loaded)}: ${error.message}`, {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
  if ((needs === 'broker' || needs === 'both') && connected.broker.capabilities.crossProcess === false) {
    throw inProcess(loaded, command, 'broker', loaded.brokerUrl, connected.broker);
  }
  if (
    (needs === 'backend' || needs === 'both') &&
    connected.backend !== undefined &&
    connected.backend.capabilities.crossProcess === false
  ) {
    throw inProcess(loaded, command, 'result backend', loaded.backendUrl ?? loaded.brokerUrl, connected.backend);
  }
  return connected;
}

function where(loaded: LoadedApp): string {
  if (loaded.brokerUrl === undefined) return `the broker or result backend of the app in "${loaded.specifier}"`;
  const backend = loaded.backendUrl === undefined ? '' : ` (result backend ${maskUrl(loaded.backendUrl)})`;
  return `the broker at ${maskUrl(loaded.brokerUrl)}${backend}`;
}

function inProcess(
  loaded: LoadedApp,
  command: string,
  what: string,
  url: string | undefined,
  adapter: object,
): CliError {
  const name = url === undefined ? `the app's ${what} (${adapter.constructor.name})` : `the ${what} ${maskUrl(url)}`;
  return new CliError(
    EXIT.usage,
    `\`celeriac ${command}\` needs a ${what} shared between processes, but ${name} is in-process (memory://): it lives inside this command's process, where no worker or producer can see it. Use a redis:// or amqp:// broker (and a redis:// result backend)${loaded.brokerUrl === undefined ? ' in the app module' : ', e.g. --broker redis://127.0.0.1:6379'}, or do this from the process that runs the worker.`,
  );
}

/** An app for a command that talks to workers from its own process, connected and closed on exit. */
export async function clientApp(
  context: CommandContext,
  command: string,
  needs: Needs,
): Promise<LoadedApp & { broker: Broker; backend: ResultBackend | undefined }> {
  const loaded = await loadApp(context.values, context.io, { defaultLevel: 'warn', bareAllowed: true });
  context.onExit(() => loaded.app.close({ timeout: 1_000 }));
  return { ...loaded, ...(await connectApp(loaded, command, needs)) };
}
