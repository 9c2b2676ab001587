import type { Delivery } from '../broker/broker.ts';
import type { ExecutionContext } from './execution-context.ts';

/** The worker's bookkeeping for one held delivery. */
export interface Run {
  readonly delivery: Delivery;
  /** Set once the task started. */
  ctx: ExecutionContext | undefined;
  /** Epoch ms the task started. */
  startedAt: number;
  /** The delivery was settled already (early ack, or requeued at shutdown); settle nothing more. */
  settled: boolean;
  /** Given back at a cold shutdown: whatever the handler does next is not this worker's to report. */
  abandoned: boolean;
  /**
   * The handler is done (or never ran): its concurrency slot is free for the next task while the
   * outcome is stored and the delivery acknowledged.
   */
  slotFreed: boolean;
}
