import type { Redis } from 'ioredis';
import { CONSUMER_GROUP } from '../keys.ts';

interface Batch {
  readonly entries: Map<string, string[]>;
  readonly done: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Coalesces the acknowledgements issued during one turn of the event loop into one XACK and one
 * XDEL per stream (a worker finishing 50 tasks at once sends 2 commands, not 100). Deleting the
 * acknowledged entry keeps the stream holding only ready and pending messages.
 */
export class AckBatcher {
  readonly #client: () => Redis;
  readonly #mapError: (error: unknown) => Error;
  #batch: Batch | undefined;

  constructor(client: () => Redis, mapError: (error: unknown) => Error) {
    this.#client = client;
    this.#mapError = mapError;
  }

  /** Acknowledge `entryId` of `stream`; resolves once Redis has. */
  add(stream: string, entryId: string): Promise<void> {
    let batch = this.#batch;
    if (batch === undefined) {
      batch = this.#newBatch();
      this.#batch = batch;
      setImmediate(() => this.#flush(batch!));
    }
    const ids = batch.entries.get(stream);
    if (ids === undefined) batch.entries.set(stream, [entryId]);
    else ids.push(entryId);
    return batch.done;
  }

  /** Send what is waiting now, and wait for it. */
  flush(): Promise<void> {
    const batch = this.#batch;
    if (batch === undefined) return Promise.resolve();
    this.#flush(batch);
    return batch.done;
  }

  #flush(batch: Batch): void {
    if (this.#batch !== batch) return;
    this.#batch = undefined;
    const replies: Promise<unknown>[] = [];
    try {
      const client = this.#client();
      for (const [stream, ids] of batch.entries) {
        replies.push(client.xack(stream, CONSUMER_GROUP, ...ids), client.xdel(stream, ...ids));
      }
    } catch (error) {
      replies.push(Promise.reject(error));
    }
    Promise.all(replies).then(
      () => batch.resolve(),
      (error: unknown) => batch.reject(this.#mapError(error)),
    );
  }

  #newBatch(): Batch {
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Each caller gets `done`; a caller that drops it must not cause an unhandled rejection.
    done.catch(() => undefined);
    return { entries: new Map(), done, resolve, reject };
  }
}
