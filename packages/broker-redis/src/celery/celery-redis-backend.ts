import { celeryResultKey, type ResultBackend, type ResultRecord, type Unsubscribe } from '@celeriac/core';
import { DEFAULT_URL, type ErrorReporter, reportToConsole } from '../connection.ts';
import { type RedisOperation, toCeleriacError } from '../errors.ts';
import { ConnectionLifecycle } from '../internal/connection-lifecycle.ts';
import { RedisConnections } from '../internal/redis-connections.ts';
import { RedisBackend, type RedisBackendOptions, ttlMs } from '../redis-backend.ts';
import type { Script } from '../scripts.ts';
import { defineCeleryScript } from './celery-scripts.ts';
import { decodeResultMeta, encodeResultMeta } from './result-meta.ts';

/** Options of {@link CeleryRedisBackend}: those of `RedisBackend`, whose `prefix` only names Celeriac's own keys. */
export type CeleryRedisBackendOptions = RedisBackendOptions;

interface Connected {
  connections: RedisConnections;
  setResult: Script;
  /** Counters, markers, leases and logs: Celeriac's own keys, which Celery never reads. */
  primitives: RedisBackend;
}

/**
 * A result backend that keeps results as Celery's Redis backend does, so Python's `AsyncResult`
 * reads what Celeriac workers store and Celeriac's `AsyncResult` reads what Celery workers store:
 * `SET celery-task-meta-<id> <meta JSON>` with the result TTL, then `PUBLISH` of the meta on that
 * same key, which `watch` subscribes to (as Celery's ResultConsumer does). A stored SUCCESS is
 * final, as in Celery. Counters, dedup and revoke markers, beat leases and task logs, which Celery
 * has no counterpart for, use Celeriac's own keys under `prefix` (a `RedisBackend` on the same
 * connection). What app `protocol: 'celery'` opens for a `redis://` result backend.
 */
export class CeleryRedisBackend implements ResultBackend {
  readonly capabilities: { readonly crossProcess: boolean } = Object.freeze({ crossProcess: true });
  readonly #options: CeleryRedisBackendOptions;
  readonly #url: string;
  readonly #report: ErrorReporter;
  readonly #lifecycle = new ConnectionLifecycle<Connected>(
    () => this.#open(),
    (connected) => this.#shutDown(connected),
  );
  #connected: Connected | undefined;

  constructor(options: CeleryRedisBackendOptions = {}) {
    this.#options = options;
    this.#url = options.url ?? DEFAULT_URL;
    this.#report = options.onError ?? reportToConsole;
  }

  /** Open the command connection. Idempotent; reopens after close. */
  async connect(): Promise<void> {
    await this.#ready();
  }

  #ready(): Promise<Connected> {
    return this.#lifecycle.connect();
  }

  async #open(): Promise<Connected> {
    const connections = await RedisConnections.open({
      given: this.#options.connection,
      url: this.#url,
      owner: 'backend',
      report: this.#report,
      timeoutMs: this.#options.connectTimeout ?? 5000,
    });
    const primitives = new RedisBackend({ ...this.#options, connection: connections.client });
    await primitives.connect();
    const connected: Connected = {
      connections,
      setResult: defineCeleryScript(connections.client, 'set-celery-result'),
      primitives,
    };
    this.#connected = connected;
    return connected;
  }

  /** Remove every watcher and close the connections the backend opened. */
  close(): Promise<void> {
    this.#connected = undefined;
    return this.#lifecycle.close();
  }

  async #shutDown({ connections, primitives }: Connected): Promise<void> {
    // The primitives share the command connection and never subscribe: closing them sends nothing.
    await primitives.close();
    await connections.close();
  }

  /** Stored and published as Celery does; ignored (as by Celery) when the task already has a SUCCESS. */
  async setResult(record: ResultRecord, ttl: number): Promise<void> {
    const { setResult } = this.#connected ?? (await this.#ready());
    const key = celeryResultKey(record.taskId);
    await this.#run('store results', setResult([key], [encodeResultMeta(record), ttlMs(ttl)]));
  }

  async getResult(taskId: string): Promise<ResultRecord | null> {
    const { client } = (this.#connected ?? (await this.#ready())).connections;
    return this.#decode(taskId, await this.#run('read results', client.get(celeryResultKey(taskId))));
  }

  async getResults(taskIds: readonly string[]): Promise<(ResultRecord | null)[]> {
    if (taskIds.length === 0) return [];
    const { client } = (this.#connected ?? (await this.#ready())).connections;
    const texts = await this.#run('read results', client.mget(taskIds.map(celeryResultKey)));
    return texts.map((text, i) => this.#decode(taskIds[i]!, text));
  }

  async forget(taskId: string): Promise<void> {
    const { connections, primitives } = this.#connected ?? (await this.#ready());
    await this.#run('store results', connections.client.del(celeryResultKey(taskId)));
    await primitives.forget(taskId);
  }

  /** Subscribes to `celery-task-meta-<id>`, where Celery's workers publish too. */
  async watch(taskId: string, listener: (record: ResultRecord) => void): Promise<Unsubscribe> {
    const { pubsub } = (this.#connected ?? (await this.#ready())).connections;
    return this.#run(
      'subscribe',
      pubsub.subscribe(celeryResultKey(taskId), (text) => {
        const record = this.#decode(taskId, text);
        if (record !== null) listener(record);
      }),
    );
  }

  async incr(key: string, options?: { by?: number; ttl?: number }): Promise<number> {
    return (this.#connected ?? (await this.#ready())).primitives.incr(key, options);
  }

  async setIfAbsent(key: string, value: string, ttl: number): Promise<boolean> {
    return (this.#connected ?? (await this.#ready())).primitives.setIfAbsent(key, value, ttl);
  }

  async get(key: string): Promise<string | null> {
    return (this.#connected ?? (await this.#ready())).primitives.get(key);
  }

  async delete(key: string): Promise<void> {
    return (this.#connected ?? (await this.#ready())).primitives.delete(key);
  }

  async acquireLease(key: string, owner: string, ttl: number): Promise<boolean> {
    return (this.#connected ?? (await this.#ready())).primitives.acquireLease(key, owner, ttl);
  }

  async renewLease(key: string, owner: string, ttl: number): Promise<boolean> {
    return (this.#connected ?? (await this.#ready())).primitives.renewLease(key, owner, ttl);
  }

  async releaseLease(key: string, owner: string): Promise<void> {
    return (this.#connected ?? (await this.#ready())).primitives.releaseLease(key, owner);
  }

  async appendLog(taskId: string, lines: readonly string[], options: { maxLines: number; ttl: number }): Promise<void> {
    return (this.#connected ?? (await this.#ready())).primitives.appendLog(taskId, lines, options);
  }

  async readLog(taskId: string): Promise<string[]> {
    return (this.#connected ?? (await this.#ready())).primitives.readLog(taskId);
  }

  /** A meta that is not one (written by hand, another tool) is reported and read as unknown. */
  #decode(taskId: string, text: string | null): ResultRecord | null {
    if (text === null) return null;
    try {
      return decodeResultMeta(taskId, text);
    } catch (error) {
      this.#report(
        toCeleriacError(error, 'read results', this.#url),
        `result of task ${taskId} (${celeryResultKey(taskId)} is not a Celery result meta)`,
      );
      return null;
    }
  }

  async #run<T>(operation: RedisOperation, reply: Promise<T>): Promise<T> {
    try {
      return await reply;
    } catch (error) {
      throw toCeleriacError(error, operation, this.#url);
    }
  }
}

/** Create a {@link CeleryRedisBackend}. */
export function createCeleryRedisBackend(options?: CeleryRedisBackendOptions): CeleryRedisBackend {
  return new CeleryRedisBackend(options);
}
