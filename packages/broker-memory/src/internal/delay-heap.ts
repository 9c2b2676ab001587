/** An item waiting in a `DelayHeap` until `dueAt`. */
export interface Delayed<T> {
  readonly dueAt: number;
  /** Insertion order: equal due times come out first-in, first-out. */
  readonly seq: number;
  readonly item: T;
}

/** A binary min-heap ordered by due time, then insertion order. */
export class DelayHeap<T> {
  private readonly nodes: Delayed<T>[] = [];
  private nextSeq = 0;

  get length(): number {
    return this.nodes.length;
  }

  /** Due time of the earliest item, or `undefined` when empty. */
  peekDueAt(): number | undefined {
    return this.nodes[0]?.dueAt;
  }

  push(item: T, dueAt: number): void {
    this.nodes.push({ dueAt, seq: this.nextSeq++, item });
    this.siftUp(this.nodes.length - 1);
  }

  /** Remove and return the earliest item if it is due at `now`, else `undefined`. */
  popDue(now: number): T | undefined {
    const top = this.nodes[0];
    if (top === undefined || top.dueAt > now) return undefined;
    const last = this.nodes.pop()!;
    if (this.nodes.length > 0) {
      this.nodes[0] = last;
      this.siftDown(0);
    }
    return top.item;
  }

  /** Remove every item matching `predicate`; returns how many. O(n). */
  removeWhere(predicate: (item: T) => boolean): number {
    const kept = this.nodes.filter((node) => !predicate(node.item));
    const removed = this.nodes.length - kept.length;
    if (removed === 0) return 0;
    this.nodes.length = 0;
    for (const node of kept) this.nodes.push(node);
    for (let i = (this.nodes.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
    return removed;
  }

  private before(a: Delayed<T>, b: Delayed<T>): boolean {
    return a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.seq < b.seq);
  }

  private siftUp(index: number): void {
    const nodes = this.nodes;
    const node = nodes[index]!;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = nodes[parentIndex]!;
      if (!this.before(node, parent)) break;
      nodes[index] = parent;
      index = parentIndex;
    }
    nodes[index] = node;
  }

  private siftDown(index: number): void {
    const nodes = this.nodes;
    const length = nodes.length;
    const node = nodes[index]!;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      const child = right < length && this.before(nodes[right]!, nodes[left]!) ? right : left;
      if (!this.before(nodes[child]!, node)) break;
      nodes[index] = nodes[child]!;
      index = child;
    }
    nodes[index] = node;
  }
}
