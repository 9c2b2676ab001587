import { Deque } from './deque.ts';

/** Number of priority levels: priorities are integers 0–9. */
export const PRIORITY_LEVELS = 10;

/**
 * Ten FIFO levels; the highest non-empty level is served first. A bit mask of non-empty levels
 * finds that level in O(1).
 */
export class PriorityQueue<T> {
  private readonly levels: (Deque<T> | undefined)[] = new Array(PRIORITY_LEVELS).fill(undefined);
  // Invariant: bit p is set exactly when levels[p] holds at least one item.
  private mask = 0;
  private count = 0;

  get length(): number {
    return this.count;
  }

  /** Highest priority with an item waiting, or -1 when empty. */
  topPriority(): number {
    return 31 - Math.clz32(this.mask);
  }

  /** Append at the back of its level (normal publish order). */
  pushBack(item: T, priority: number): void {
    this.level(priority).pushBack(item);
    this.mask |= 1 << priority;
    this.count++;
  }

  /** Put at the front of its level, so it is the next of that priority (requeue). */
  pushFront(item: T, priority: number): void {
    this.level(priority).pushFront(item);
    this.mask |= 1 << priority;
    this.count++;
  }

  /** Remove and return the oldest item of the highest priority, or `undefined` when empty. */
  shift(): T | undefined {
    if (this.mask === 0) return undefined;
    const priority = 31 - Math.clz32(this.mask);
    const level = this.levels[priority]!;
    const item = level.shift();
    if (level.length === 0) this.mask &= ~(1 << priority);
    this.count--;
    return item;
  }

  /** Remove every item; returns how many there were. */
  clear(): number {
    const removed = this.count;
    for (const level of this.levels) level?.clear();
    this.mask = 0;
    this.count = 0;
    return removed;
  }

  private level(priority: number): Deque<T> {
    let level = this.levels[priority];
    if (level === undefined) {
      level = new Deque<T>();
      this.levels[priority] = level;
    }
    return level;
  }
}
