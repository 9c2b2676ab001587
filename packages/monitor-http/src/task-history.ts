import type { ClusterEvent, Json, RemoteError, ResultRecord, TaskEvent, TaskState } from '@celeriac/core';

/** Celery's states, plus REJECTED for a message set aside in the dead letters (as Flower shows it). */
export type MonitorTaskState = TaskState | 'REJECTED' | (string & {});

/** One event of a task, as its timeline lists it. */
export interface TimelineEntry {
  type: string;
  timestamp: number;
  hostname: string;
  /** What the event adds: state and meta of a progress, the error of a failure, the runtime… */
  detail?: Json;
}

/** What the monitor knows of one task. Times are epoch milliseconds, or null when not seen. */
export interface TaskSnapshot {
  id: string;
  name: string | null;
  state: MonitorTaskState;
  args: Json[] | null;
  queue: string | null;
  /** Hostname of the worker that received it. */
  worker: string | null;
  retries: number;
  sentAt: number | null;
  receivedAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  /** Milliseconds the last run took. */
  runtime: number | null;
  /** Last event time. */
  updatedAt: number;
  result?: Json;
  error?: RemoteError;
  /** Progress meta or custom-state meta. */
  meta?: Json;
  /** Why it was revoked or rejected. */
  reason?: string;
  eta?: string | null;
  parentId?: string | null;
  rootId?: string;
  /** Id of the failed task this one re-sends (`POST /api/tasks/:id/retry`). */
  retryOf?: string;
  /** Ids of the tasks that re-sent this one. */
  retriedAs?: string[];
}

/** Filters of `TaskHistory.list`. */
export interface TaskQuery {
  states?: string[];
  name?: string;
  worker?: string;
  /** Epoch ms: tasks first seen at or after. */
  since?: number;
  /** Epoch ms: tasks first seen at or before. */
  until?: number;
  limit?: number;
  offset?: number;
}

interface Entry {
  snapshot: TaskSnapshot;
  timeline: TimelineEntry[];
  firstSeen: number;
}

const TIMELINE_MAX = 100;
const FINAL = new Set(['SUCCESS', 'FAILURE', 'REVOKED', 'REJECTED']);
const RANK: Record<string, number> = { PENDING: 0, RECEIVED: 1, STARTED: 2, PROGRESS: 3, RETRY: 3 };

function rank(state: string): number {
  return FINAL.has(state) ? 5 : (RANK[state] ?? 3);
}

/** A `*` glob (or plain text: exact match) as a test. */
function matcher(pattern: string): (value: string | null) => boolean {
  if (!pattern.includes('*')) return (value) => value === pattern;
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  const regexp = new RegExp(`^${source}$`);
  return (value) => value !== null && regexp.test(value);
}

/**
 * The monitor's memory of tasks, fed by `app.events`: at most `maxTasks` tasks (the oldest first
 * seen are dropped), each with a bounded timeline. Newest first when listed.
 */
export class TaskHistory {
  readonly #max: number;
  readonly #tasks = new Map<string, Entry>();
  readonly #names = new Set<string>();

  constructor(maxTasks = 10_000) {
    this.#max = Math.max(1, maxTasks);
  }

  get size(): number {
    return this.#tasks.size;
  }

  /** Task names seen so far (for filters). */
  get names(): string[] {
    return [...this.#names].sort();
  }

  get(id: string): { task: TaskSnapshot; timeline: TimelineEntry[] } | undefined {
    const entry = this.#tasks.get(id);
    return entry === undefined ? undefined : { task: { ...entry.snapshot }, timeline: [...entry.timeline] };
  }

  /** Apply one cluster event (worker events are ignored here). */
  apply(event: ClusterEvent): void {
    if (!event.type.startsWith('task-')) return;
    const task = event as TaskEvent;
    const entry = this.#entry(task.taskId, task.timestamp);
    const s = entry.snapshot;
    if (task.name) {
      s.name = task.name;
      if (this.#names.size < 10_000) this.#names.add(task.name);
    }
    s.updatedAt = Math.max(s.updatedAt, task.timestamp);
    entry.timeline.push({ type: task.type, timestamp: task.timestamp, hostname: task.hostname, ...detailOf(task) });
    if (entry.timeline.length > TIMELINE_MAX) entry.timeline.splice(0, entry.timeline.length - TIMELINE_MAX);
    switch (task.type) {
      case 'task-sent':
        s.args = task.args;
        s.queue = task.queue;
        s.sentAt = task.timestamp;
        s.eta = task.eta;
        s.parentId = task.parentId;
        s.rootId = task.rootId;
        this.#move(s, 'PENDING', task.retries);
        break;
      case 'task-received':
        s.queue = task.queue;
        s.worker = task.hostname;
        s.receivedAt = task.timestamp;
        this.#move(s, 'RECEIVED', task.retries);
        break;
      case 'task-started':
        s.worker = task.hostname;
        s.startedAt = task.timestamp;
        this.#move(s, 'STARTED', task.retries);
        break;
      case 'task-progress':
        s.meta = task.meta;
        this.#move(s, task.state, s.retries);
        break;
      case 'task-retried':
        s.error = task.error;
        s.eta = task.eta;
        this.#move(s, 'RETRY', task.retries);
        break;
      case 'task-succeeded':
        s.result = task.result;
        s.runtime = task.runtime;
        s.finishedAt = task.timestamp;
        s.error = undefined;
        this.#move(s, 'SUCCESS', s.retries);
        break;
      case 'task-failed':
        s.error = task.error;
        s.runtime = task.runtime;
        s.finishedAt = task.timestamp;
        this.#move(s, 'FAILURE', task.retries);
        break;
      case 'task-revoked':
        s.reason = task.reason;
        s.finishedAt = task.timestamp;
        this.#move(s, 'REVOKED', s.retries);
        break;
      case 'task-rejected':
        s.reason = task.reason;
        s.queue = task.queue;
        s.finishedAt = task.timestamp;
        this.#move(s, 'REJECTED', s.retries);
        break;
    }
  }

  /** Take a final state from the result backend that no event reported (e.g. revoked before it ran). */
  applyRecord(record: ResultRecord): void {
    const entry = this.#tasks.get(record.taskId);
    if (entry === undefined || FINAL.has(entry.snapshot.state) || !FINAL.has(record.state)) return;
    const s = entry.snapshot;
    s.state = record.state;
    if (record.error !== undefined) s.error = record.error;
    if (record.result !== undefined) s.result = record.result;
    s.updatedAt = Date.now();
  }

  /** Link a re-sent task to the failed one it retries. */
  linkRetry(originalId: string, newId: string, name: string, args: Json[], queue: string | null): void {
    const original = this.#tasks.get(originalId);
    if (original !== undefined) original.snapshot.retriedAs = [...(original.snapshot.retriedAs ?? []), newId];
    const entry = this.#entry(newId, Date.now());
    entry.snapshot.retryOf = originalId;
    entry.snapshot.name ??= name;
    entry.snapshot.args ??= args;
    entry.snapshot.queue ??= queue;
  }

  /** Tasks matching `query`, newest first seen first, with the total before paging. */
  list(query: TaskQuery = {}): { total: number; tasks: TaskSnapshot[] } {
    const states = query.states !== undefined && query.states.length > 0 ? new Set(query.states) : undefined;
    const name = query.name ? matcher(query.name) : undefined;
    const worker = query.worker ? matcher(query.worker) : undefined;
    const offset = Math.max(0, query.offset ?? 0);
    const limit = Math.max(0, query.limit ?? 100);
    const page: TaskSnapshot[] = [];
    let total = 0;
    const entries = [...this.#tasks.values()];
    for (let i = entries.length - 1; i >= 0; i--) {
      const entry = entries[i]!;
      const s = entry.snapshot;
      if (states !== undefined && !states.has(s.state)) continue;
      if (name !== undefined && !name(s.name)) continue;
      if (worker !== undefined && !worker(s.worker)) continue;
      if (query.since !== undefined && entry.firstSeen < query.since) continue;
      if (query.until !== undefined && entry.firstSeen > query.until) continue;
      if (total >= offset && page.length < limit) page.push({ ...s });
      total++;
    }
    return { total, tasks: page };
  }

  /** Counts per state of the tasks held. */
  countByState(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const { snapshot } of this.#tasks.values()) counts[snapshot.state] = (counts[snapshot.state] ?? 0) + 1;
    return counts;
  }

  #entry(id: string, timestamp: number): Entry {
    let entry = this.#tasks.get(id);
    if (entry === undefined) {
      entry = {
        snapshot: {
          id,
          name: null,
          state: 'PENDING',
          args: null,
          queue: null,
          worker: null,
          retries: 0,
          sentAt: null,
          receivedAt: null,
          startedAt: null,
          finishedAt: null,
          runtime: null,
          updatedAt: timestamp,
        },
        timeline: [],
        firstSeen: timestamp,
      };
      this.#tasks.set(id, entry);
      // Map keeps insertion order: the first key is the task seen longest ago.
      while (this.#tasks.size > this.#max) this.#tasks.delete(this.#tasks.keys().next().value as string);
    }
    return entry;
  }

  /**
   * Change the state unless the event is older news: events of one task come from several hosts
   * (producer, worker) and may arrive out of order, so a final state is not undone by a late
   * `task-sent`, nor STARTED by a late `task-received` of the same attempt.
   */
  #move(s: TaskSnapshot, state: string, retries: number): void {
    const newer = retries > s.retries;
    if (newer) s.retries = retries;
    if (FINAL.has(state)) {
      s.state = state;
      return;
    }
    if (FINAL.has(s.state) && !newer) return;
    if (newer || s.state === 'RETRY' || rank(state) >= rank(s.state)) s.state = state;
  }
}

function detailOf(event: TaskEvent): { detail?: Json } {
  switch (event.type) {
    case 'task-progress':
      return { detail: { state: event.state, meta: event.meta } };
    case 'task-retried':
      return { detail: { error: `${event.error.name}: ${event.error.message}`, eta: event.eta } };
    case 'task-failed':
      return { detail: { error: `${event.error.name}: ${event.error.message}`, runtime: event.runtime } };
    case 'task-succeeded':
      return { detail: { runtime: event.runtime } };
    case 'task-revoked':
      return { detail: { reason: event.reason, terminated: event.terminated, expired: event.expired } };
    case 'task-rejected':
      return { detail: { reason: event.reason } };
    case 'task-received':
      return { detail: { retries: event.retries, redelivered: event.redelivered } };
    default:
      return {};
  }
}
