import type { Delivery } from '@celeriac/core';
import type { QueueState } from './queue-state.ts';

/** One `consume()` subscription: its queues, its prefetch budget and what it holds. */
export class Consumer {
  readonly queues: readonly QueueState[];
  readonly prefetch: number;
  readonly onDelivery: (delivery: Delivery) => void;
  /** Deliveries handed to this consumer and not settled yet (never above `prefetch`). */
  inFlight = 0;
  closed = false;

  constructor(queues: readonly QueueState[], prefetch: number, onDelivery: (delivery: Delivery) => void) {
    this.queues = queues;
    this.prefetch = prefetch;
    this.onDelivery = onDelivery;
  }

  /** The queue whose next message this consumer takes: highest priority, ties by queue order. */
  pick(): QueueState | undefined {
    const queues = this.queues;
    if (queues.length === 1) {
      const only = queues[0]!;
      return only.ready.length > 0 ? only : undefined;
    }
    let best: QueueState | undefined;
    let bestPriority = -1;
    for (const queue of queues) {
      const priority = queue.ready.topPriority();
      if (priority > bestPriority) {
        best = queue;
        bestPriority = priority;
      }
    }
    return best;
  }
}
