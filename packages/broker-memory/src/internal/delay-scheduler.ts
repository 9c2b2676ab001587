import { DelayHeap } from './delay-heap.ts';

// setTimeout fires at once for delays above 2^31 - 1 ms (about 24.8 days); wait in steps instead.
const MAX_TIMER_DELAY_MS = 2_147_483_647;

/**
 * Holds items until their due time with ONE timer, armed for the earliest item. The timer is
 * unref'd: waiting messages never keep the process alive.
 */
export class DelayScheduler<T> {
  private readonly heap = new DelayHeap<T>();
  private timer: NodeJS.Timeout | undefined;
  private timerDueAt = Number.POSITIVE_INFINITY;
  private stopped = false;
  private readonly onDue: (item: T) => void;
  private readonly afterDue: () => void;

  /** `onDue` receives each due item in due order; `afterDue` runs once after each batch. */
  constructor(onDue: (item: T) => void, afterDue: () => void) {
    this.onDue = onDue;
    this.afterDue = afterDue;
  }

  get length(): number {
    return this.heap.length;
  }

  schedule(item: T, dueAt: number): void {
    this.heap.push(item, dueAt);
    if (dueAt < this.timerDueAt) this.arm();
  }

  /** Remove every waiting item matching `predicate`; returns how many. */
  removeWhere(predicate: (item: T) => boolean): number {
    // The timer may now point at a removed item; it then fires, finds nothing due and re-arms.
    return this.heap.removeWhere(predicate);
  }

  /** Clear the timer; items stay and wait for `resume()`. */
  stop(): void {
    this.stopped = true;
    this.disarm();
  }

  resume(): void {
    this.stopped = false;
    this.arm();
  }

  private arm(): void {
    this.disarm();
    const dueAt = this.heap.peekDueAt();
    if (dueAt === undefined || this.stopped) return;
    const delay = Math.min(Math.max(dueAt - Date.now(), 0), MAX_TIMER_DELAY_MS);
    this.timerDueAt = dueAt;
    this.timer = setTimeout(this.fire, delay);
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDueAt = Number.POSITIVE_INFINITY;
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.timerDueAt = Number.POSITIVE_INFINITY;
    const now = Date.now();
    let moved = false;
    for (let item = this.heap.popDue(now); item !== undefined; item = this.heap.popDue(now)) {
      this.onDue(item);
      moved = true;
    }
    if (moved) this.afterDue();
    this.arm();
  };
}
