/** Reports an error a listener threw; `source` says which listener. */
export type ListenerErrorReporter = (error: unknown, source: string) => void;

interface Listener<T> {
  readonly handler: (value: T) => void;
  active: boolean;
}

/**
 * Delivers values to the listeners of a key asynchronously, in one microtask per batch of
 * emits. A listener that throws is reported and does not stop the others. Values are passed by
 * reference.
 */
export class Fanout<T> {
  // Copy-on-write arrays: an emit keeps the array it saw, without copying it.
  private readonly listeners = new Map<string, readonly Listener<T>[]>();
  private pendingKeys: string[] = [];
  private pendingTargets: (readonly Listener<T>[])[] = [];
  private pendingValues: T[] = [];
  private scheduled = false;
  private readonly describe: (key: string) => string;
  private readonly report: ListenerErrorReporter;

  constructor(describe: (key: string) => string, report: ListenerErrorReporter) {
    this.describe = describe;
    this.report = report;
  }

  /** Add a listener; the returned function removes it (no call reaches it afterwards). */
  add(key: string, handler: (value: T) => void): () => void {
    const listener: Listener<T> = { handler, active: true };
    this.listeners.set(key, [...(this.listeners.get(key) ?? []), listener]);
    return () => {
      if (!listener.active) return;
      listener.active = false;
      const remaining = (this.listeners.get(key) ?? []).filter((other) => other !== listener);
      if (remaining.length === 0) this.listeners.delete(key);
      else this.listeners.set(key, remaining);
    };
  }

  /** Queue `value` for every current listener of `key`. */
  emit(key: string, value: T): void {
    const targets = this.listeners.get(key);
    if (targets === undefined) return;
    this.pendingKeys.push(key);
    this.pendingTargets.push(targets);
    this.pendingValues.push(value);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.flush);
    }
  }

  /** Remove every listener; queued values reach no one. */
  clear(): void {
    for (const targets of this.listeners.values()) for (const listener of targets) listener.active = false;
    this.listeners.clear();
  }

  private readonly flush = (): void => {
    const keys = this.pendingKeys;
    const targets = this.pendingTargets;
    const values = this.pendingValues;
    // Emits made by listeners during this flush form the next batch.
    this.pendingKeys = [];
    this.pendingTargets = [];
    this.pendingValues = [];
    this.scheduled = false;
    for (let i = 0; i < values.length; i++) {
      const value = values[i] as T;
      for (const listener of targets[i]!) {
        if (!listener.active) continue;
        try {
          listener.handler(value);
        } catch (error) {
          this.report(error, this.describe(keys[i]!));
        }
      }
    }
  };
}
