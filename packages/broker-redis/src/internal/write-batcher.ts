import type { Script } from '../scripts.ts';

interface Batch {
  readonly keys: string[];
  readonly args: (string | number)[];
  readonly done: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

/** Most items in one script call: bounds its run time inside Redis. */
const MAX_BATCH = 500;

/**
 * Coalesces the writes issued during one turn of the event loop into one script call (a worker
 * storing the state of 50 tasks sends one command, not 50). Each item is one key and a fixed
 * number of arguments; every caller of a batch is resolved (or rejected) with it.
 */
export class WriteBatcher {
  readonly #script: () => Script;
  readonly #mapError: (error: unknown) => Error;
  #batch: Batch | undefined;

  /** `script` runs one batch: KEYS are the items' keys, ARGV their arguments in the same order. */
  constructor(script: () => Script, mapError: (error: unknown) => Error) {
    this.#script = script;
    this.#mapError = mapError;
  }

  add(key: string, ...args: (string | number)[]): Promise<void> {
    let batch = this.#batch;
    if (batch === undefined || batch.keys.length >= MAX_BATCH) {
      if (batch !== undefined) this.#flush(batch);
      batch = this.#newBatch();
      this.#batch = batch;
      const scheduled = batch;
      setImmediate(() => this.#flush(scheduled));
    }
    batch.keys.push(key);
    for (const arg of args) batch.args.push(arg);
    return batch.done;
  }

  #flush(batch: Batch): void {
    if (this.#batch === batch) this.#batch = undefined;
    if (batch.keys.length === 0) return;
    let reply: Promise<unknown>;
    try {
      reply = this.#script()(batch.keys, batch.args);
    } catch (error) {
      reply = Promise.reject(error);
    }
    // Emptied so a second flush of the same batch (scheduled and forced) sends nothing.
    batch.keys.length = 0;
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
    // Every caller gets `done`; one that drops it must not cause an unhandled rejection.
    done.catch(() => undefined);
    return { keys: [], args: [], done, resolve, reject };
  }
}
