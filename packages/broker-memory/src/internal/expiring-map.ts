/** A stored value and when it expires (epoch ms; `Infinity` = never). */
export interface ExpiringEntry<V> {
  value: V;
  expiresAt: number;
}

/** Epoch ms at which a key set at `now` with `ttlSeconds` expires. */
export function expiryOf(ttlSeconds: number | undefined, now: number): number {
  // Anything but a positive finite TTL means "keep until deleted" (Celery's result_expires=None).
  return ttlSeconds !== undefined && ttlSeconds > 0 && Number.isFinite(ttlSeconds)
    ? now + ttlSeconds * 1000
    : Number.POSITIVE_INFINITY;
}

/** A map whose entries vanish at their expiry: invisible to reads, removed by `sweep`. */
export class ExpiringMap<V> {
  private readonly entries = new Map<string, ExpiringEntry<V>>();

  /** The live entry for `key` (mutable in place), or `undefined` when absent or expired. */
  entry(key: string, now: number): ExpiringEntry<V> | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  get(key: string, now: number): V | undefined {
    return this.entry(key, now)?.value;
  }

  set(key: string, value: V, ttlSeconds: number | undefined, now: number): void {
    const expiresAt = expiryOf(ttlSeconds, now);
    const entry = this.entries.get(key);
    if (entry === undefined) {
      this.entries.set(key, { value, expiresAt });
    } else {
      entry.value = value;
      entry.expiresAt = expiresAt;
    }
  }

  delete(key: string): boolean {
    return this.entries.delete(key);
  }

  /** Remove every expired entry; returns how many. */
  sweep(now: number): number {
    let removed = 0;
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= now) {
        this.entries.delete(key);
        removed++;
      }
    }
    return removed;
  }

  /** Entries stored, expired ones not yet swept included. */
  get size(): number {
    return this.entries.size;
  }
}
