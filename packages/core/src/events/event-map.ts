import type { RemoteError } from '../errors/task-errors.ts';
import type { Json } from '../json/json.ts';

/** Fields every task event carries. `timestamp` is epoch milliseconds. */
export interface TaskEventBase {
  taskId: string;
  name: string;
  /** Hostname of the worker (or producer, for `task-sent`) that emitted it. */
  hostname: string;
  timestamp: number;
}

export interface TaskSentEvent extends TaskEventBase {
  type: 'task-sent';
  queue: string;
  args: Json[];
  retries: number;
  /** ISO-8601 or null. */
  eta: string | null;
  expires: string | null;
  parentId: string | null;
  rootId: string;
}
export interface TaskReceivedEvent extends TaskEventBase {
  type: 'task-received';
  queue: string;
  retries: number;
  redelivered: boolean;
}
export interface TaskStartedEvent extends TaskEventBase {
  type: 'task-started';
  queue: string;
  retries: number;
}
export interface TaskProgressEvent extends TaskEventBase {
  type: 'task-progress';
  state: string;
  meta: Json;
}
export interface TaskRetriedEvent extends TaskEventBase {
  type: 'task-retried';
  error: RemoteError;
  retries: number;
  /** ISO-8601 time of the next attempt. */
  eta: string;
}
export interface TaskSucceededEvent extends TaskEventBase {
  type: 'task-succeeded';
  result: Json;
  /** Run time in milliseconds. */
  runtime: number;
}
export interface TaskFailedEvent extends TaskEventBase {
  type: 'task-failed';
  error: RemoteError;
  retries: number;
  runtime: number;
}
export interface TaskRevokedEvent extends TaskEventBase {
  type: 'task-revoked';
  reason: string;
  terminated: boolean;
  expired: boolean;
}
export interface TaskRejectedEvent extends TaskEventBase {
  type: 'task-rejected';
  queue: string;
  /** Why the message went to the dead-letter store. */
  reason: string;
}

/** Fields of worker events. */
export interface WorkerEvent {
  hostname: string;
  timestamp: number;
  pid: number;
  queues: string[];
  concurrency: number;
  /** Tasks running now. */
  active: number;
  /** Tasks finished since the worker started. */
  processed: number;
  /** Seconds between heartbeats. */
  freq: number;
}
export interface WorkerOnlineEvent extends WorkerEvent {
  type: 'worker-online';
}
export interface WorkerHeartbeatEvent extends WorkerEvent {
  type: 'worker-heartbeat';
}
export interface WorkerOfflineEvent extends WorkerEvent {
  type: 'worker-offline';
  /** True when no worker sent it: the worker missed three heartbeats (it died, or lost its broker). */
  expired?: boolean;
}

export type TaskEvent =
  | TaskSentEvent
  | TaskReceivedEvent
  | TaskStartedEvent
  | TaskProgressEvent
  | TaskRetriedEvent
  | TaskSucceededEvent
  | TaskFailedEvent
  | TaskRevokedEvent
  | TaskRejectedEvent;
export type ClusterEvent = TaskEvent | WorkerOnlineEvent | WorkerHeartbeatEvent | WorkerOfflineEvent;
export type ClusterEventType = ClusterEvent['type'];

/**
 * Listener map of `app.events`: every event of every worker and producer of the cluster, as the
 * broker's broadcast channel carries them. Listen to `'*'` for all of them.
 */
export interface CeleriacEventMap {
  /** A producer published the task. */
  'task-sent': [event: TaskSentEvent];
  /** A worker took the message from the broker. */
  'task-received': [event: TaskReceivedEvent];
  /** A worker started running it. */
  'task-started': [event: TaskStartedEvent];
  /** The task reported progress or a custom state (`ctx.progress`, `ctx.updateState`). */
  'task-progress': [event: TaskProgressEvent];
  /** The task will run again after `eta`. */
  'task-retried': [event: TaskRetriedEvent];
  'task-succeeded': [event: TaskSucceededEvent];
  /** The task failed for good (no retries left, or not retryable). */
  'task-failed': [event: TaskFailedEvent];
  /** Revoked or expired: it did not (or will not) finish. */
  'task-revoked': [event: TaskRevokedEvent];
  /** The message went to the dead-letter store (unknown task, undecodable, rejected). */
  'task-rejected': [event: TaskRejectedEvent];
  'worker-online': [event: WorkerOnlineEvent];
  /** Sent every `freq` seconds while a worker runs. */
  'worker-heartbeat': [event: WorkerHeartbeatEvent];
  'worker-offline': [event: WorkerOfflineEvent];
  /** Every event above. */
  '*': [event: ClusterEvent];
}
