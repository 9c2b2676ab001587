/**
 * A growable ring buffer: O(1) amortised push and pop at both ends, which a plain array only
 * offers at the back (`Array.prototype.shift` copies the whole array).
 */
export class Deque<T> {
  private items: (T | undefined)[];
  private head = 0;
  private size = 0;
  // Invariant: items.length is a power of two, so `& mask` wraps an index.
  private mask: number;

  constructor(initialCapacity = 16) {
    let capacity = 4;
    while (capacity < initialCapacity) capacity *= 2;
    this.items = new Array<T | undefined>(capacity);
    this.mask = capacity - 1;
  }

  get length(): number {
    return this.size;
  }

  pushBack(item: T): void {
    if (this.size === this.items.length) this.grow();
    this.items[(this.head + this.size) & this.mask] = item;
    this.size++;
  }

  pushFront(item: T): void {
    if (this.size === this.items.length) this.grow();
    this.head = (this.head - 1) & this.mask;
    this.items[this.head] = item;
    this.size++;
  }

  /** Remove and return the front item, or `undefined` when empty. */
  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined; // let the item be collected
    this.head = (this.head + 1) & this.mask;
    this.size--;
    return item;
  }

  /** Items front to back. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.size; i++) yield this.items[(this.head + i) & this.mask] as T;
  }

  /** Remove every item; returns how many there were. Drops a large buffer a burst left behind. */
  clear(): number {
    const removed = this.size;
    this.items = new Array<T | undefined>(Math.min(this.items.length, 16));
    this.mask = this.items.length - 1;
    this.head = 0;
    this.size = 0;
    return removed;
  }

  private grow(): void {
    const old = this.items;
    const next = new Array<T | undefined>(old.length * 2);
    for (let i = 0; i < this.size; i++) next[i] = old[(this.head + i) & this.mask];
    this.items = next;
    this.mask = next.length - 1;
    this.head = 0;
  }
}
