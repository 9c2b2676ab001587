import type { ClusterEvent } from '@celeriac/core';

/** Finished tasks in one time bucket. */
export interface ThroughputBucket {
  /** Epoch ms the bucket starts. */
  start: number;
  succeeded: number;
  failed: number;
  retried: number;
}

/**
 * Counts of finished tasks per time bucket (default 10 s × 90 = the last 15 minutes), for the
 * dashboard's throughput and failure charts.
 */
export class Throughput {
  readonly bucketMs: number;
  readonly #size: number;
  readonly #buckets: ThroughputBucket[] = [];

  constructor(bucketMs = 10_000, size = 90) {
    this.bucketMs = bucketMs;
    this.#size = size;
  }

  apply(event: ClusterEvent): void {
    const field =
      event.type === 'task-succeeded'
        ? 'succeeded'
        : event.type === 'task-failed'
          ? 'failed'
          : event.type === 'task-retried'
            ? 'retried'
            : undefined;
    if (field === undefined) return;
    const bucket = this.#bucket(Date.now());
    bucket[field]++;
  }

  /** Every bucket of the window, oldest first, empty ones included. */
  series(now: number = Date.now()): ThroughputBucket[] {
    const last = Math.floor(now / this.bucketMs) * this.bucketMs;
    const byStart = new Map(this.#buckets.map((bucket) => [bucket.start, bucket]));
    const out: ThroughputBucket[] = [];
    for (let i = this.#size - 1; i >= 0; i--) {
      const start = last - i * this.bucketMs;
      out.push({ ...(byStart.get(start) ?? { start, succeeded: 0, failed: 0, retried: 0 }) });
    }
    return out;
  }

  #bucket(now: number): ThroughputBucket {
    const start = Math.floor(now / this.bucketMs) * this.bucketMs;
    let bucket = this.#buckets.at(-1);
    if (bucket === undefined || bucket.start !== start) {
      bucket = { start, succeeded: 0, failed: 0, retried: 0 };
      this.#buckets.push(bucket);
      const oldest = start - this.#size * this.bucketMs;
      while (this.#buckets.length > 0 && this.#buckets[0]!.start <= oldest) this.#buckets.shift();
    }
    return bucket;
  }
}
