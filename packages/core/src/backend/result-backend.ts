import type { RemoteError } from '../errors/task-errors.ts';
import type { Json } from '../json/json.ts';
import type { TaskState } from '../result/states.ts';

/** What a result backend stores about one task. */
export interface ResultRecord {
  taskId: string;
  /** Task name; null when only the id is known. */
  name: string | null;
  state: TaskState;
  args?: Json[];
  queue?: string;
  /** Set in SUCCESS. */
  result?: Json;
  /** Set in FAILURE (and RETRY: the error that caused it). */
  error?: RemoteError;
  /** Progress or custom-state meta (`ctx.updateState`). */
  meta?: Json;
  retries: number;
  /** Hostname of the worker that ran it. */
  worker?: string;
  /** ISO-8601 time the task reached a ready state, else null. */
  dateDone: string | null;
  /** Ids of tasks this one started (canvas). */
  children?: string[];
  parentId?: string | null;
  rootId?: string;
  groupId?: string | null;
}

/** Stop listening. */
export type Unsubscribe = () => Promise<void>;

/**
 * Where task states and results live, plus the small primitives later features build on
 * (chord counters, dedup and revoke markers, beat leases, task logs). Implemented by the memory and
 * Redis backends, checked by `describeBackendConformance` from `@celeriac/core/testing`.
 * TTLs are in seconds, fractions allowed, and always > 0 (core never asks for a key without expiry).
 * Counters, `setIfAbsent` keys and leases share one key space: `get(leaseKey)` returns the owner.
 */
export interface ResultBackend {
  readonly capabilities: {
    /** Several processes can share this backend. */
    readonly crossProcess: boolean;
  };
  connect(): Promise<void>;
  close(): Promise<void>;
  /**
   * Replace the task's record (TTL `ttl` seconds) and wake its watchers. The backend may keep the
   * object itself (memory): core never mutates a record after storing or reading it.
   */
  setResult(record: ResultRecord, ttl: number): Promise<void>;
  getResult(taskId: string): Promise<ResultRecord | null>;
  /** Records in the order of `taskIds` (null where unknown), in one round trip. */
  getResults(taskIds: readonly string[]): Promise<(ResultRecord | null)[]>;
  /** Delete the record and its logs. */
  forget(taskId: string): Promise<void>;
  /** Call `listener` on every `setResult` of `taskId` (from any process) until unsubscribed. Resolves once subscribed. */
  watch(taskId: string, listener: (record: ResultRecord) => void): Promise<Unsubscribe>;
  /** Atomically add `by` (default 1) to an integer key; resolves to the new value. */
  incr(key: string, options?: { by?: number; ttl?: number }): Promise<number>;
  /** Set `key` only when absent; true when this call set it. */
  setIfAbsent(key: string, value: string, ttl: number): Promise<boolean>;
  get(key: string): Promise<string | null>;
  delete(key: string): Promise<void>;
  /** Take the lease `key` for `owner` when free (or already `owner`'s); true on success. */
  acquireLease(key: string, owner: string, ttl: number): Promise<boolean>;
  /** Extend `owner`'s lease; false when it is lost (expired or taken). */
  renewLease(key: string, owner: string, ttl: number): Promise<boolean>;
  /** Give the lease up if `owner` holds it. */
  releaseLease(key: string, owner: string): Promise<void>;
  /** Append log lines of a task, keeping only the newest `maxLines`. */
  appendLog(taskId: string, lines: readonly string[], options: { maxLines: number; ttl: number }): Promise<void>;
  readLog(taskId: string): Promise<string[]>;
}
