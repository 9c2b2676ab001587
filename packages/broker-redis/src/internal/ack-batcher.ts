import { CONSUMER_GROUP } from '../keys.ts';
import type { Script } from '../scripts.ts';

interface Batch {
  readonly entries: Map<string, string[]>;
  readonly done: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Coalesces the acknowledgements issued during one turn of the event loop into one `ack.lua` call
 * (XACK + XDEL per stream): a worker finishing 50 tasks at once sends one command, not 50.
 */
export class AckBatcher {
  readonly #script: () => Script;
  readonly #mapError: (error: unknown) => Error;
  #batch: Batch | undefined;

  constructor(script: () => Script, mapError: (error: unknown) => Error) {
    this.#script = script;
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
    const streams: string[] = [];
    const args: string[] = [CONSUMER_GROUP];
    for (const [stream, ids] of batch.entries) {
      streams.push(stream);
      args.push(ids.join(' '));
    }
    let reply: Promise<unknown>;
    try {
      reply = this.#script()(streams, args);
    } catch (error) {
      reply = Promise.reject(error);
    }
    reply.then(
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
