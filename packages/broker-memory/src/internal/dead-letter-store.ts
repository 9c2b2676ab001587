import type { DeadLetter, DeadLetterStore } from '@celeriac/core';
import { MemoryDelivery } from './memory-delivery.ts';
import type { QueueState } from './queue-state.ts';

/** The broker's `deadLetters`: reads and edits each queue's `DeadLetterList`. */
export class MemoryDeadLetterStore implements DeadLetterStore {
  private readonly queues: ReadonlyMap<string, QueueState>;
  private readonly onRequeued: () => void;

  /** `onRequeued` runs after a letter went back to its queue's ready messages. */
  constructor(queues: ReadonlyMap<string, QueueState>, onRequeued: () => void) {
    this.queues = queues;
    this.onRequeued = onRequeued;
  }

  list(queue: string, options?: { limit?: number; offset?: number }): Promise<DeadLetter[]> {
    const limit = options?.limit ?? Number.POSITIVE_INFINITY;
    const offset = options?.offset ?? 0;
    if (!(limit >= 0 && Number.isInteger(offset) && offset >= 0)) {
      return Promise.reject(new RangeError('deadLetters.list() needs limit ≥ 0 and an integer offset ≥ 0.'));
    }
    return Promise.resolve(this.queues.get(queue)?.dead.list(limit, offset) ?? []);
  }

  /** Back to the queue as a fresh ready message: same id and body, its original priority. */
  requeue(queue: string, id: string): Promise<boolean> {
    const state = this.queues.get(queue);
    const entry = state?.dead.take(id);
    if (state === undefined || entry === undefined) return Promise.resolve(false);
    const { letter, priority } = entry;
    state.ready.pushBack(new MemoryDelivery(letter.id, letter.queue, letter.body, priority, false), priority);
    this.onRequeued();
    return Promise.resolve(true);
  }

  delete(queue: string, id: string): Promise<boolean> {
    return Promise.resolve(this.queues.get(queue)?.dead.delete(id) ?? false);
  }
}
