import type { ResultBackend, ResultRecord, Unsubscribe } from '@celeriac/core';
import type { Redis } from 'ioredis';
import { DEFAULT_URL, type ErrorReporter, reportToConsole } from './connection.ts';
import { type RedisOperation, toCeleriacError } from './errors.ts';
import { ConnectionLifecycle } from './internal/connection-lifecycle.ts';
import { RedisConnections } from './internal/redis-connections.ts';
import { ResultWriteBatcher } from './internal/result-write-batcher.ts';
import { KeySpace } from './keys.ts';
import type { PubSub } from './pubsub.ts';
import { defineScript, type Script } from './scripts.ts';

/** Options of {@link RedisBackend}. */
export interface RedisBackendOptions {
  /**
   * Redis server: `redis://[[user]:password@]host[:port][/db]`, or `rediss://` for TLS.
   * @default 'redis://127.0.0.1:6379'
   */
  readonly url?: string;
  /**
   * An ioredis client to send commands on, instead of opening one from `url`. It is not closed by
   * the backend; the subscriber connection for `watch` is opened with `connection.duplicate()`.
   * @default a new connection to `url`
   */
  readonly connection?: Redis;
  /**
   * Start of every key and channel name, so several apps can share one Redis.
   * @default 'celeriac:'
   */
  readonly prefix?: string;
  /**
   * How long, in milliseconds, `connect()` may wait for Redis before rejecting with
   * `BrokerConnectionError`.
   * @default 5000
   */
  readonly connectTimeout?: number;
  /**
   * Called with errors no caller can receive: a lost connection (once per outage), a throwing
   * `watch` listener.
   * @default prints one line with `console.error`
   */
  readonly onError?: (error: Error, source: string) => void;
}

interface BackendScripts {
  setResult: Script;
  incr: Script;
  acquireLease: Script;
  renewLease: Script;
  releaseLease: Script;
  appendLog: Script;
}

const CAPABILITIES: { readonly crossProcess: boolean } = Object.freeze({ crossProcess: true });

/** Seconds → whole milliseconds for PX/PEXPIRE; 0 (no expiry) unless a positive finite number. */
export function ttlMs(ttl: number | undefined): number {
  return ttl !== undefined && ttl > 0 && Number.isFinite(ttl) ? Math.max(1, Math.round(ttl * 1000)) : 0;
}

/**
 * A Celeriac result backend on Redis: records are JSON strings with a TTL; `setResult` also
 * publishes the record on the task's channel, which `watch` subscribes to on one shared subscriber
 * connection. Counters, markers, leases and logs use plain keys and small Lua scripts.
 */
export class RedisBackend implements ResultBackend {
  readonly capabilities: { readonly crossProcess: boolean } = CAPABILITIES;
  /** Key and channel names under the configured prefix. */
  readonly keys: KeySpace;
  readonly #url: string;
  readonly #options: RedisBackendOptions;
  readonly #report: ErrorReporter;
  readonly #lifecycle = new ConnectionLifecycle(
    () => this.#open(),
    () => this.#shutDown(),
  );
  #connections: RedisConnections | undefined;
  #scripts: BackendScripts | undefined;
  readonly #results: ResultWriteBatcher = new ResultWriteBatcher(
    () => this.#scripts!.setResult,
    (error) => toCeleriacError(error, 'store results', this.#url),
  );

  constructor(options: RedisBackendOptions = {}) {
    this.#options = options;
    this.#url = options.url ?? DEFAULT_URL;
    this.#report = options.onError ?? reportToConsole;
    this.keys = new KeySpace(options.prefix ?? 'celeriac:');
  }

  /** Open the command connection. Idempotent; reopens after close. */
  connect(): Promise<void> {
    return this.#lifecycle.connect();
  }

  async #open(): Promise<void> {
    const connections = await RedisConnections.open({
      given: this.#options.connection,
      url: this.#url,
      owner: 'backend',
      report: this.#report,
      timeoutMs: this.#options.connectTimeout ?? 5000,
    });
    const { client } = connections;
    this.#scripts = {
      setResult: defineScript(client, 'set-result'),
      incr: defineScript(client, 'incr'),
      acquireLease: defineScript(client, 'acquire-lease'),
      renewLease: defineScript(client, 'renew-lease'),
      releaseLease: defineScript(client, 'release-lease'),
      appendLog: defineScript(client, 'append-log'),
    };
    this.#connections = connections;
  }

  /** Remove every watcher and close the connections the backend opened. */
  close(): Promise<void> {
    return this.#lifecycle.close();
  }

  async #shutDown(): Promise<void> {
    const connections = this.#connections!;
    this.#connections = undefined;
    this.#scripts = undefined;
    await connections.close();
  }

  /** Writes of one event-loop turn go to Redis in one script call. */
  setResult(record: ResultRecord, ttl: number): Promise<void> {
    if (this.#scripts === undefined) return this.#ready().then(() => this.setResult(record, ttl));
    return this.#results.add(this.keys.result(record.taskId), record, ttlMs(ttl));
  }

  async getResult(taskId: string): Promise<ResultRecord | null> {
    const client = this.#connections?.client ?? (await this.#ready()).client;
    return parseRecord(await this.#run('read results', client.get(this.keys.result(taskId))));
  }

  async getResults(taskIds: readonly string[]): Promise<(ResultRecord | null)[]> {
    if (taskIds.length === 0) return [];
    const client = this.#connections?.client ?? (await this.#ready()).client;
    const texts = await this.#run('read results', client.mget(taskIds.map((id) => this.keys.result(id))));
    return texts.map(parseRecord);
  }

  async forget(taskId: string): Promise<void> {
    const client = this.#connections?.client ?? (await this.#ready()).client;
    await this.#run('store results', client.del(this.keys.result(taskId), this.keys.log(taskId)));
  }

  /** `listener` gets a freshly parsed record per `setResult`; one that throws is reported, never fatal. */
  async watch(taskId: string, listener: (record: ResultRecord) => void): Promise<Unsubscribe> {
    const pubsub = this.#connections?.pubsub ?? (await this.#ready()).pubsub;
    return this.#run(
      'subscribe',
      pubsub.subscribe(this.keys.result(taskId), (text) => listener(JSON.parse(text) as ResultRecord)),
    );
  }

  /** The key's TTL applies when this call creates it; later calls keep its expiry. */
  async incr(key: string, options?: { by?: number; ttl?: number }): Promise<number> {
    const by = options?.by ?? 1;
    if (!Number.isSafeInteger(by)) throw new RangeError(`incr(${key}) needs an integer by, got ${by}.`);
    const scripts = this.#scripts ?? (await this.#ready()).scripts;
    return (await this.#run('store results', scripts.incr([this.keys.key(key)], [by, ttlMs(options?.ttl)]))) as number;
  }

  async setIfAbsent(key: string, value: string, ttl: number): Promise<boolean> {
    const client = this.#connections?.client ?? (await this.#ready()).client;
    const ms = ttlMs(ttl);
    const target = this.keys.key(key);
    const reply = await this.#run(
      'store results',
      ms > 0 ? client.set(target, value, 'PX', ms, 'NX') : client.set(target, value, 'NX'),
    );
    return reply === 'OK';
  }

  async get(key: string): Promise<string | null> {
    const client = this.#connections?.client ?? (await this.#ready()).client;
    return this.#run('read results', client.get(this.keys.key(key)));
  }

  async delete(key: string): Promise<void> {
    const client = this.#connections?.client ?? (await this.#ready()).client;
    await this.#run('store results', client.del(this.keys.key(key)));
  }

  async acquireLease(key: string, owner: string, ttl: number): Promise<boolean> {
    const scripts = this.#scripts ?? (await this.#ready()).scripts;
    return (await this.#run('store results', scripts.acquireLease([this.keys.key(key)], [owner, ttlMs(ttl)]))) === 1;
  }

  async renewLease(key: string, owner: string, ttl: number): Promise<boolean> {
    const scripts = this.#scripts ?? (await this.#ready()).scripts;
    return (await this.#run('store results', scripts.renewLease([this.keys.key(key)], [owner, ttlMs(ttl)]))) === 1;
  }

  async releaseLease(key: string, owner: string): Promise<void> {
    const scripts = this.#scripts ?? (await this.#ready()).scripts;
    await this.#run('store results', scripts.releaseLease([this.keys.key(key)], [owner]));
  }

  /** Appends and resets the log's TTL; only the newest `maxLines` lines are kept. */
  async appendLog(taskId: string, lines: readonly string[], options: { maxLines: number; ttl: number }): Promise<void> {
    const { maxLines, ttl } = options;
    if (!(Number.isInteger(maxLines) && maxLines >= 0)) {
      throw new RangeError(`appendLog(${taskId}) needs an integer maxLines ≥ 0, got ${maxLines}.`);
    }
    const scripts = this.#scripts ?? (await this.#ready()).scripts;
    await this.#run('store results', scripts.appendLog([this.keys.log(taskId)], [maxLines, ttlMs(ttl), ...lines]));
  }

  /** Oldest line first. */
  async readLog(taskId: string): Promise<string[]> {
    const client = this.#connections?.client ?? (await this.#ready()).client;
    return this.#run('read results', client.lrange(this.keys.log(taskId), 0, -1));
  }

  async #ready(): Promise<{ client: Redis; scripts: BackendScripts; pubsub: PubSub }> {
    await this.connect();
    const connections = this.#connections;
    if (connections === undefined || this.#scripts === undefined) {
      throw toCeleriacError(new Error('Connection is closed.'), 'connect', this.#url);
    }
    return { client: connections.client, scripts: this.#scripts, pubsub: connections.pubsub };
  }

  async #run<T>(operation: RedisOperation, reply: Promise<T>): Promise<T> {
    try {
      return await reply;
    } catch (error) {
      throw toCeleriacError(error, operation, this.#url);
    }
  }
}

function parseRecord(text: string | null): ResultRecord | null {
  return text === null ? null : (JSON.parse(text) as ResultRecord);
}

/** Create a {@link RedisBackend}. */
export function createRedisBackend(options?: RedisBackendOptions): RedisBackend {
  return new RedisBackend(options);
}
