import { DeadLetterList } from './dead-letter-list.ts';
import type { MemoryDelivery } from './memory-delivery.ts';
import { PriorityQueue } from './priority-queue.ts';

/** Everything the memory broker keeps for one queue name. */
export class QueueState {
  readonly name: string;
  /** Deliverable now, by priority. */
  readonly ready: PriorityQueue<MemoryDelivery> = new PriorityQueue<MemoryDelivery>();
  /** How many of this queue's messages wait in the broker's delay scheduler. */
  delayed = 0;
  /** Delivered and not yet settled. */
  unacked = 0;
  readonly dead: DeadLetterList;

  constructor(name: string, maxDeadLetters: number, onDeadLetterDropped: () => void) {
    this.name = name;
    this.dead = new DeadLetterList(maxDeadLetters, onDeadLetterDropped);
  }
}
