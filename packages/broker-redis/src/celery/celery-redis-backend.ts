import { celeryResultKey, type ResultBackend, type ResultRecord, type Unsubscribe } from '@celeriac/core';
import type { Redis } from 'ioredis';
import {
  closeConnection,
  DEFAULT_URL,
  type ErrorReporter,
  openCommandConnection,
  openSubscriberConnection,
  reportToConsole,
} from '../connection.ts';
import { type RedisOperation, toCeleriacError } from '../errors.ts';
import { PubSub } from '../pubsub.ts';
import { RedisBackend, type RedisBackendOptions } from '../redis-backend.ts';
import type { Script } from '../scripts.ts';
import { defineCeleryScript } from './celery-scripts.ts';
import { decodeResultMeta, encodeResultMeta } from './result-meta.ts';

/** Options of {@link CeleryRedisBackend}: those of `RedisBackend`, whose `prefix` only names Celeriac's own keys. */
export type CeleryRedisBackendOptions = RedisBackendOptions;

interface Connected {
  client: Redis;
  setResult: Script;
  pubsub: PubSub;
  /** Counters, markers, leases and logs: Celeriac's own keys, which Celery never reads. */
  primitives: RedisBackend;
}

/** Seconds → whole milliseconds for PX; 0 (no expiry) unless a positive finite number. */
function ttlMs(ttl: number): number {
  return ttl > 0 && Number.isFinite(ttl) ? Math.max(1, Math.round(ttl * 1000)) : 0;
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
  #connected: Connected | undefined;
  #connecting: Promise<Connected> | undefined;
  #closing: Promise<void> | undefined;

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
    if (this.#connecting === undefined) {
      const connecting = this.#open();
      this.#connecting = connecting;
      connecting.catch(() => {
        if (this.#connecting === connecting) this.#connecting = undefined;
      });
    }
    return this.#connecting;
  }

  async #open(): Promise<Connected> {
    await this.#closing;
    const client = await openCommandConnection({
      given: this.#options.connection,
      url: this.#url,
      owner: 'backend',
      report: this.#report,
      timeoutMs: this.#options.connectTimeout ?? 5000,
    });
    const primitives = new RedisBackend({ ...this.#options, connection: client });
    await primitives.connect();
    const connected: Connected = {
      client,
      setResult: defineCeleryScript(client, 'set-celery-result'),
      pubsub: new PubSub(() => openSubscriberConnection(this.#url, 'backend', client, this.#report), this.#report),
      primitives,
    };
    this.#connected = connected;
    return connected;
  }

  /** Remove every watcher and close the connections the backend opened. */
  close(): Promise<void> {
    const connecting = this.#connecting;
    if (connecting === undefined) return this.#closing ?? Promise.resolve();
    this.#connecting = undefined;
    this.#connected = undefined;
    this.#closing = connecting.then(
      async ({ client, pubsub, primitives }) => {
        await pubsub.close(closeConnection);
        await primitives.close();
        if (this.#options.connection === undefined) await closeConnection(client);
      },
      () => undefined,
    );
    return this.#closing;
  }

  /** Stored and published as Celery does; ignored (as by Celery) when the task already has a SUCCESS. */
  async setResult(record: ResultRecord, ttl: number): Promise<void> {
    const { setResult } = this.#connected ?? (await this.#ready());
    const key = celeryResultKey(record.taskId);
    await this.#run('store results', setResult([key], [encodeResultMeta(record), ttlMs(ttl)]));
  }

  async getResult(taskId: string): Promise<ResultRecord | null> {
    const { client } = this.#connected ?? (await this.#ready());
    return this.#decode(taskId, await this.#run('read results', client.get(celeryResultKey(taskId))));
  }

  async getResults(taskIds: readonly string[]): Promise<(ResultRecord | null)[]> {
    if (taskIds.length === 0) return [];
    const { client } = this.#connected ?? (await this.#ready());
    const texts = await this.#run('read results', client.mget(taskIds.map(celeryResultKey)));
    return texts.map((text, i) => this.#decode(taskIds[i]!, text));
  }

  async forget(taskId: string): Promise<void> {
    const { client, primitives } = this.#connected ?? (await this.#ready());
    await this.#run('store results', client.del(celeryResultKey(taskId)));
    await primitives.forget(taskId);
  }

  /** Subscribes to `celery-task-meta-<id>`, where Celery's workers publish too. */
  async watch(taskId: string, listener: (record: ResultRecord) => void): Promise<Unsubscribe> {
    const { pubsub } = this.#connected ?? (await this.#ready());
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
