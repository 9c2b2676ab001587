import type { ResultBackend } from '../backend/result-backend.ts';
import type { Broker } from '../broker/broker.ts';
import { AdapterNotInstalledError, ConfigError } from '../errors/celeriac-error.ts';
import type { WireProtocol } from './options.ts';

interface Adapter {
  packageName: string;
  broker: string;
  backend: string | undefined;
  /** Exports for `protocol: 'celery'`, where they are separate classes (else `broker`/`backend` get the option). */
  celery?: { broker: string; backend: string };
}

// Redis speaks Celery through separate classes (kombu's list layout, Celery's result keys).
const REDIS: Adapter = {
  packageName: '@celeriac/broker-redis',
  broker: 'RedisBroker',
  backend: 'RedisBackend',
  celery: { broker: 'KombuRedisBroker', backend: 'CeleryRedisBackend' },
};

const ADAPTERS: Record<string, Adapter> = {
  'memory:': { packageName: '@celeriac/broker-memory', broker: 'MemoryBroker', backend: 'MemoryBackend' },
  'redis:': REDIS,
  'rediss:': REDIS,
  'amqp:': { packageName: '@celeriac/broker-amqp', broker: 'AmqpBroker', backend: undefined },
  'amqps:': { packageName: '@celeriac/broker-amqp', broker: 'AmqpBroker', backend: undefined },
};

/** `redis://user:secret@host` → `redis://user:****@host`, for every message that shows a URL. */
export function maskUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@/]*@/i, '$1****@');
}

function adapterFor(url: string, kind: 'broker' | 'backend'): Adapter {
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0].toLowerCase();
  const adapter = scheme === undefined ? undefined : ADAPTERS[scheme];
  if (adapter === undefined) {
    throw new ConfigError(
      `Unsupported ${kind} URL ${maskUrl(url)}: use memory://, redis://, rediss://, amqp:// or amqps://, or pass a ${kind === 'broker' ? 'Broker' : 'ResultBackend'} instance.`,
    );
  }
  return adapter;
}

/** Throws `ConfigError` for a URL whose scheme no adapter serves. */
export function assertSupportedUrl(url: string, kind: 'broker' | 'backend'): void {
  adapterFor(url, kind);
}

/** True for URLs of a scheme that can serve as a result backend. */
export function urlCanBeBackend(url: string): boolean {
  return adapterFor(url, 'backend').backend !== undefined;
}

async function loadAdapterClass(
  url: string,
  kind: 'broker' | 'backend',
  protocol: WireProtocol,
): Promise<new (options: { url: string; protocol?: WireProtocol }) => unknown> {
  const adapter = adapterFor(url, kind);
  const names = protocol === 'celery' && adapter.celery !== undefined ? adapter.celery : adapter;
  const exportName = kind === 'broker' ? names.broker : names.backend;
  if (exportName === undefined) {
    throw new ConfigError(
      `${maskUrl(url)} is a broker, not a result backend: set \`backend\` to a redis:// or memory:// URL (or a ResultBackend instance) to keep results.`,
    );
  }
  let module: Record<string, unknown>;
  try {
    // A variable specifier keeps TypeScript from resolving the adapter at build time: adapters depend on core.
    const specifier = adapter.packageName;
    module = (await import(specifier)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new AdapterNotInstalledError(adapter.packageName, maskUrl(url), { cause: error });
    }
    throw error;
  }
  const AdapterClass = module[exportName];
  if (typeof AdapterClass !== 'function') {
    throw new ConfigError(
      `${adapter.packageName} does not export ${exportName}: install a version that matches @celeriac/core.`,
    );
  }
  return AdapterClass as new (options: {
    url: string;
    protocol?: WireProtocol;
  }) => unknown;
}

interface Shared<T> {
  instance: Promise<T>;
  refs: number;
}

// Apps in one process that name the same memory:// URL meet on one in-process broker and backend,
// as kombu's memory transport does; reference counts close it when the last app lets go.
const sharedMemory = new Map<string, Shared<unknown>>();

/** An instance opened from a URL, with the function that gives it back. */
export interface Opened<T> {
  instance: Promise<T>;
  release: () => Promise<void>;
}

function open<T extends { close(): Promise<void> }>(
  url: string,
  kind: 'broker' | 'backend',
  protocol: WireProtocol,
): Opened<T> {
  if (protocol === 'celery' && url.toLowerCase().startsWith('memory:')) {
    throw new ConfigError(
      `protocol: 'celery' needs a broker and backend Python can reach: use redis:// or amqp:// instead of ${url}.`,
    );
  }
  const create = async (): Promise<T> =>
    new (await loadAdapterClass(url, kind, protocol))(protocol === 'celery' ? { url, protocol } : { url }) as T;
  if (!url.toLowerCase().startsWith('memory:')) {
    const instance = create();
    return { instance, release: async () => (await instance.catch(() => undefined))?.close() };
  }
  const key = `${kind} ${url.replace(/\/+$/, '').toLowerCase()}`;
  let shared = sharedMemory.get(key) as Shared<T> | undefined;
  if (shared === undefined) {
    shared = { instance: create(), refs: 0 };
    sharedMemory.set(key, shared);
  }
  shared.refs++;
  const entry = shared;
  let released = false;
  return {
    instance: entry.instance,
    release: async () => {
      if (released) return;
      released = true;
      if (--entry.refs > 0) return;
      sharedMemory.delete(key);
      await (await entry.instance.catch(() => undefined))?.close();
    },
  };
}

export function openBroker(url: string, protocol: WireProtocol = 'celeriac'): Opened<Broker> {
  return open<Broker>(url, 'broker', protocol);
}

export function openBackend(url: string, protocol: WireProtocol = 'celeriac'): Opened<ResultBackend> {
  return open<ResultBackend>(url, 'backend', protocol);
}
