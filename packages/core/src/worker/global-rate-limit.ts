import type { ResultBackend } from '../backend/result-backend.ts';

/**
 * Cluster-wide evenly spaced starts through the result backend: time is cut into slots of
 * `intervalMs`, and a start needs a slot nobody took yet (`setIfAbsent` is atomic on every
 * backend). Resolves to the milliseconds to wait until the slot begins.
 */
export class GlobalRateLimiter {
  readonly #backend: ResultBackend;
  /** Last slot seen taken per key: the next search starts after it, not at now. */
  readonly #hint = new Map<string, number>();

  constructor(backend: ResultBackend) {
    this.#backend = backend;
  }

  async reserve(key: string, intervalMs: number): Promise<number> {
    const ttl = Math.max(1, (intervalMs * 4) / 1000);
    let slot = Math.max(Math.ceil(Date.now() / intervalMs), (this.#hint.get(key) ?? 0) + 1);
    for (;;) {
      const taken = await this.#backend.setIfAbsent(
        `rate:${key}:${slot}`,
        '1',
        ttl + (slot * intervalMs - Date.now()) / 1000,
      );
      this.#hint.set(key, slot);
      if (taken) return Math.max(0, slot * intervalMs - Date.now());
      slot++;
    }
  }
}
