import type { Script } from '../scripts.ts';

interface Batch {
  readonly keys: string[];
  /** Position of each key in `keys`: a second write of a key in one batch replaces the first. */
  readonly index: Map<string, number>;
  readonly values: object[];
  readonly ttls: number[];
  readonly done: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

/** Most records in one script call: bounds its run time inside Redis. */
const MAX_BATCH = 500;

/**
 * Coalesces the result writes issued during one turn of the event loop into one `set-result.lua`
 * call (a worker storing the state of 50 tasks sends one command, not 50), with the records packed
 * into one argument joined by newlines and their TTLs into another: ioredis spends about half a
 * microsecond per argument, Lua a fraction of that splitting them. Every caller of a batch is
 * resolved (or rejected) with it. A key written twice in one turn (a fast task's STARTED, then its
 * SUCCESS) is stored once, with the later record: the earlier one would be replaced at once anyway,
 * and skipping it spares its serialisation, its bytes and its SET and PUBLISH in Redis.
 */
export class ResultWriteBatcher {
  readonly #script: () => Script;
  readonly #mapError: (error: unknown) => Error;
  #batch: Batch | undefined;

  constructor(script: () => Script, mapError: (error: unknown) => Error) {
    this.#script = script;
    this.#mapError = mapError;
  }

  /** Store `record` as JSON at `key` for `ttlMs` (0: no expiry), and publish it. Never mutate `record` afterwards. */
  add(key: string, record: object, ttlMs: number): Promise<void> {
    let batch = this.#batch;
    if (batch === undefined || batch.keys.length >= MAX_BATCH) {
      if (batch !== undefined) this.#flush(batch);
      batch = this.#newBatch();
      this.#batch = batch;
      const scheduled = batch;
      setImmediate(() => this.#flush(scheduled));
    }
    const at = batch.index.get(key);
    if (at === undefined) {
      batch.index.set(key, batch.keys.length);
      batch.keys.push(key);
      batch.values.push(record);
      batch.ttls.push(ttlMs);
    } else {
      batch.values[at] = record;
      batch.ttls[at] = ttlMs;
    }
    return batch.done;
  }

  #flush(batch: Batch): void {
    if (this.#batch === batch) this.#batch = undefined;
    const keys = batch.keys.splice(0);
    if (keys.length === 0) return;
    let reply: Promise<unknown>;
    try {
      // JSON text never holds a raw newline: one argument carries every record.
      const json = batch.values.map((record) => JSON.stringify(record)).join('\n');
      reply = this.#script()(keys, [json, batch.ttls.join(',')]);
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
    // Every caller gets `done`; one that drops it must not cause an unhandled rejection.
    done.catch(() => undefined);
    return { keys: [], index: new Map(), values: [], ttls: [], done, resolve, reject };
  }
}
