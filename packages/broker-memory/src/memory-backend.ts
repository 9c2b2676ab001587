import { ConfigError, type ResultBackend, type ResultRecord, type Unsubscribe } from '@celeriac/core';
import { ExpiringMap, expiryOf } from './internal/expiring-map.ts';
import { Fanout, type ListenerErrorReporter } from './internal/fanout.ts';

/** Options of {@link MemoryBackend}. */
export interface MemoryBackendOptions {
  /**
   * The `memory://` URL this instance was created for. Informational: core passes it when it
   * creates the instance from a URL, and apps naming the same URL already share one instance.
   * @default undefined
   */
  readonly url?: string;
  /**
   * How often expired keys are removed from memory, in milliseconds. Expired keys are invisible
   * to reads at once; the sweep only frees their memory. The timer is unref'd.
   * @default 60_000
   */
  readonly sweepIntervalMs?: number;
  /**
   * Called when a `watch` listener throws; the other listeners still run. `source` names the
   * listener.
   * @default logs the error with `console.error`
   */
  readonly onListenerError?: (error: unknown, source: string) => void;
}

const RESOLVED: Promise<void> = Promise.resolve();
const CAPABILITIES: { readonly crossProcess: boolean } = Object.freeze({ crossProcess: false });

const reportToConsole: ListenerErrorReporter = (error, source) => {
  console.error(`[@celeriac/broker-memory] ${source} threw:`, error);
};

/**
 * An in-process result backend. Every key honours its TTL (seconds, fractions allowed; a TTL
 * that is not a positive finite number keeps the key until deleted).
 *
 * Records are stored and returned by reference, without copying: treat what `getResult`,
 * `getResults` and `watch` give you as read-only.
 */
export class MemoryBackend implements ResultBackend {
  readonly capabilities: { readonly crossProcess: boolean } = CAPABILITIES;

  private readonly records = new ExpiringMap<ResultRecord>();
  /** Counters, `setIfAbsent` keys and leases share one key space, as in Redis. */
  private readonly keys = new ExpiringMap<string | number>();
  private readonly logs = new ExpiringMap<string[]>();
  private readonly watchers: Fanout<ResultRecord>;
  private readonly sweepIntervalMs: number;
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(options: MemoryBackendOptions = {}) {
    const interval = options.sweepIntervalMs ?? 60_000;
    if (!(interval > 0 && Number.isFinite(interval))) {
      throw new ConfigError(`sweepIntervalMs must be a positive number of milliseconds, got ${String(interval)}.`);
    }
    this.sweepIntervalMs = interval;
    this.watchers = new Fanout<ResultRecord>(
      (taskId) => `result watcher of task "${taskId}"`,
      options.onListenerError ?? reportToConsole,
    );
    this.startSweeping();
  }

  /** Nothing to open; restarts the sweep timer after `close()`. */
  connect(): Promise<void> {
    this.startSweeping();
    return RESOLVED;
  }

  /** Stops the sweep timer and removes every watcher. Stored keys stay readable. */
  close(): Promise<void> {
    if (this.sweepTimer !== undefined) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    this.watchers.clear();
    return RESOLVED;
  }

  setResult(record: ResultRecord, ttl: number): Promise<void> {
    this.records.set(record.taskId, record, ttl, Date.now());
    this.watchers.emit(record.taskId, record);
    return RESOLVED;
  }

  getResult(taskId: string): Promise<ResultRecord | null> {
    return Promise.resolve(this.records.get(taskId, Date.now()) ?? null);
  }

  getResults(taskIds: readonly string[]): Promise<(ResultRecord | null)[]> {
    const now = Date.now();
    return Promise.resolve(taskIds.map((taskId) => this.records.get(taskId, now) ?? null));
  }

  forget(taskId: string): Promise<void> {
    this.records.delete(taskId);
    this.logs.delete(taskId);
    return RESOLVED;
  }

  /** `listener` runs in a microtask after each `setResult` of `taskId`. */
  watch(taskId: string, listener: (record: ResultRecord) => void): Promise<Unsubscribe> {
    const remove = this.watchers.add(taskId, listener);
    return Promise.resolve((): Promise<void> => {
      remove();
      return RESOLVED;
    });
  }

  /** The key's TTL applies when this call creates it; later calls keep its expiry. */
  incr(key: string, options?: { by?: number; ttl?: number }): Promise<number> {
    const by = options?.by ?? 1;
    if (!Number.isSafeInteger(by))
      return Promise.reject(new RangeError(`incr(${key}) needs an integer by, got ${by}.`));
    const now = Date.now();
    const entry = this.keys.entry(key, now);
    if (entry === undefined) {
      this.keys.set(key, by, options?.ttl, now);
      return Promise.resolve(by);
    }
    const current = typeof entry.value === 'number' ? entry.value : Number(entry.value);
    if (!Number.isSafeInteger(current) || entry.value === '') {
      return Promise.reject(
        new TypeError(`incr(${key}): the key holds ${JSON.stringify(entry.value)}, not an integer.`),
      );
    }
    entry.value = current + by;
    return Promise.resolve(entry.value);
  }

  setIfAbsent(key: string, value: string, ttl: number): Promise<boolean> {
    const now = Date.now();
    if (this.keys.entry(key, now) !== undefined) return Promise.resolve(false);
    this.keys.set(key, value, ttl, now);
    return Promise.resolve(true);
  }

  get(key: string): Promise<string | null> {
    const value = this.keys.get(key, Date.now());
    return Promise.resolve(value === undefined ? null : String(value));
  }

  delete(key: string): Promise<void> {
    this.keys.delete(key);
    return RESOLVED;
  }

  acquireLease(key: string, owner: string, ttl: number): Promise<boolean> {
    const now = Date.now();
    const entry = this.keys.entry(key, now);
    if (entry !== undefined && entry.value !== owner) return Promise.resolve(false);
    this.keys.set(key, owner, ttl, now);
    return Promise.resolve(true);
  }

  renewLease(key: string, owner: string, ttl: number): Promise<boolean> {
    const now = Date.now();
    const entry = this.keys.entry(key, now);
    if (entry === undefined || entry.value !== owner) return Promise.resolve(false);
    entry.expiresAt = expiryOf(ttl, now);
    return Promise.resolve(true);
  }

  releaseLease(key: string, owner: string): Promise<void> {
    if (this.keys.get(key, Date.now()) === owner) this.keys.delete(key);
    return RESOLVED;
  }

  /** Appends and refreshes the log's TTL; only the newest `maxLines` lines are kept. */
  appendLog(taskId: string, lines: readonly string[], options: { maxLines: number; ttl: number }): Promise<void> {
    const { maxLines, ttl } = options;
    if (!(Number.isInteger(maxLines) && maxLines >= 0)) {
      return Promise.reject(new RangeError(`appendLog(${taskId}) needs an integer maxLines ≥ 0, got ${maxLines}.`));
    }
    const now = Date.now();
    const log = this.logs.get(taskId, now) ?? [];
    for (const line of lines) log.push(line);
    if (log.length > maxLines) log.splice(0, log.length - maxLines);
    this.logs.set(taskId, log, ttl, now);
    return RESOLVED;
  }

  /** Oldest line first; a copy. */
  readLog(taskId: string): Promise<string[]> {
    return Promise.resolve(this.logs.get(taskId, Date.now())?.slice() ?? []);
  }

  private startSweeping(): void {
    if (this.sweepTimer !== undefined) return;
    this.sweepTimer = setInterval(this.sweep, this.sweepIntervalMs);
    this.sweepTimer.unref();
  }

  private readonly sweep = (): void => {
    const now = Date.now();
    this.records.sweep(now);
    this.keys.sweep(now);
    this.logs.sweep(now);
  };
}

/** Create a {@link MemoryBackend}. */
export function createMemoryBackend(options?: MemoryBackendOptions): MemoryBackend {
  return new MemoryBackend(options);
}
