import type { Logger } from 'pino';
import type { ResultBackend } from '../backend/result-backend.ts';
import type { Broker } from '../broker/broker.ts';
import type { EventPublisher } from '../events/event-publisher.ts';
import type { PublishRequest } from './producer.ts';

/** What tasks, results and workers need from their app. Keeps those modules free of the app class. */
export interface AppInternals {
  readonly hostname: string;
  readonly logger: Logger;
  /** Seconds. */
  readonly resultExpires: number;
  readonly defaultQueue: string;
  /** Connected broker. */
  broker(): Promise<Broker>;
  /** Connected backend; rejects with `ConfigError` when results are disabled. */
  backend(): Promise<ResultBackend>;
  readonly resultsEnabled: boolean;
  /** Publish, deduplicating caller-chosen ids; resolves to the id of each request. */
  publish(requests: readonly PublishRequest[]): Promise<string[]>;
  /** Revoke a task (see `Control.revoke`). */
  revoke(taskId: string, options?: { terminate?: boolean }): Promise<void>;
  /** Event publisher on the connected broker. */
  eventPublisher(): Promise<EventPublisher>;
}

/** The key that marks a caller-chosen task id as queued or running. */
export function dedupKey(taskId: string): string {
  return `dedup:${taskId}`;
}
