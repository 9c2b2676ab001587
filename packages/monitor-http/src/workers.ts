import type { ClusterEvent, WorkerEvent } from '@celeriac/core';

/** A worker as the monitor knows it from `worker-*` events. Times are epoch milliseconds. */
export interface WorkerSnapshot {
  hostname: string;
  status: 'online' | 'offline';
  pid: number;
  queues: string[];
  concurrency: number;
  /** Tasks running at the last event. */
  active: number;
  /** Tasks finished since it started, at the last event. */
  processed: number;
  /** Seconds between heartbeats. */
  freq: number;
  /** Time of the last `worker-online`/`worker-heartbeat`. */
  lastHeartbeat: number;
  onlineSince: number | null;
  offlineAt: number | null;
  /** True when it went offline by missing heartbeats rather than by saying goodbye. */
  expired: boolean;
}

const MAX_WORKERS = 1000;

/** Online and offline workers of the cluster, from its events (the offline ones are kept for the view). */
export class WorkerRegistry {
  readonly #workers = new Map<string, WorkerSnapshot>();

  apply(event: ClusterEvent): void {
    if (event.type !== 'worker-online' && event.type !== 'worker-heartbeat' && event.type !== 'worker-offline') return;
    const previous = this.#workers.get(event.hostname);
    const base = fromEvent(event);
    if (event.type === 'worker-offline') {
      this.#set({
        ...(previous ?? base),
        status: 'offline',
        active: 0,
        offlineAt: event.timestamp,
        expired: event.expired === true,
      });
      return;
    }
    const online = previous?.status === 'online' && event.type === 'worker-heartbeat';
    this.#set({ ...base, onlineSince: online ? previous.onlineSince : event.timestamp });
  }

  /** Newest heartbeat first; online before offline. */
  list(): WorkerSnapshot[] {
    return [...this.#workers.values()]
      .map((worker) => ({ ...worker }))
      .sort((a, b) => (a.status === b.status ? a.hostname.localeCompare(b.hostname) : a.status === 'online' ? -1 : 1));
  }

  get onlineCount(): number {
    let count = 0;
    for (const worker of this.#workers.values()) if (worker.status === 'online') count++;
    return count;
  }

  /** Queues that online and offline workers consume. */
  queues(): string[] {
    return [...new Set([...this.#workers.values()].flatMap((worker) => worker.queues))];
  }

  #set(worker: WorkerSnapshot): void {
    this.#workers.delete(worker.hostname);
    this.#workers.set(worker.hostname, worker);
    if (this.#workers.size <= MAX_WORKERS) return;
    // Forget the offline worker heard from longest ago.
    for (const [hostname, known] of this.#workers) {
      if (known.status === 'offline') {
        this.#workers.delete(hostname);
        return;
      }
    }
  }
}

function fromEvent(event: WorkerEvent): WorkerSnapshot {
  return {
    hostname: event.hostname,
    status: 'online',
    pid: event.pid,
    queues: [...event.queues],
    concurrency: event.concurrency,
    active: event.active,
    processed: event.processed,
    freq: event.freq,
    lastHeartbeat: event.timestamp,
    onlineSince: event.timestamp,
    offlineAt: null,
    expired: false,
  };
}
