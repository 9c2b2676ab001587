import type { DeadLetter } from '@celeriac/core';

/** A dead letter with the priority it was published with, so a requeue restores it. */
export interface DeadLetterEntry {
  readonly letter: DeadLetter;
  readonly priority: number;
}

/**
 * One queue's dead letters, oldest first, at most `capacity`: beyond it the oldest is dropped
 * and `onDrop` is called. One record per id: a second dead letter with the same id replaces it.
 */
export class DeadLetterList {
  // Map iteration order is insertion order: the first key is the oldest letter.
  private readonly entries = new Map<string, DeadLetterEntry>();
  private readonly capacity: number;
  private readonly onDrop: () => void;

  constructor(capacity: number, onDrop: () => void) {
    this.capacity = capacity;
    this.onDrop = onDrop;
  }

  get size(): number {
    return this.entries.size;
  }

  add(letter: DeadLetter, priority: number): void {
    this.entries.delete(letter.id);
    this.entries.set(letter.id, { letter, priority });
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
      this.onDrop();
    }
  }

  /** Newest first. */
  list(limit: number, offset: number): DeadLetter[] {
    const all = [...this.entries.values()];
    const result: DeadLetter[] = [];
    for (let i = all.length - 1 - offset; i >= 0 && result.length < limit; i--) result.push(all[i]!.letter);
    return result;
  }

  /** Remove and return the entry for `id`. */
  take(id: string): DeadLetterEntry | undefined {
    const entry = this.entries.get(id);
    if (entry !== undefined) this.entries.delete(id);
    return entry;
  }

  delete(id: string): boolean {
    return this.entries.delete(id);
  }
}
