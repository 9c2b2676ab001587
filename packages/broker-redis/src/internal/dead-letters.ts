import type { DeadLetter, DeadLetterStore } from '@celeriac/core';
import type { Script } from '../scripts.ts';

/** The scripts a dead-letter call runs, and how Redis failures become Celeriac errors. */
export interface DeadLetterScripts {
  list: Script;
  requeue: Script;
  delete: Script;
  run<T>(reply: Promise<T>): Promise<T>;
}

/** Where a key layout keeps a queue's dead letters: the KEYS (and ARGV) of each script. */
export interface DeadLetterLayout {
  /** KEYS of the list and delete scripts. */
  storeKeys(queue: string): string[];
  /** KEYS and ARGV of the requeue script for dead letter `id`. */
  requeueCall(queue: string, id: string): { keys: string[]; args: string[] };
}

/**
 * A dead-letter store run by three scripts over records `{ id, queue, body, reason, deadLetteredAt }`
 * kept newest first; Celeriac's stream layout and Celery mode's kombu layout differ only in keys.
 */
export class ScriptDeadLetters implements DeadLetterStore {
  readonly #layout: DeadLetterLayout;
  readonly #scripts: () => Promise<DeadLetterScripts>;

  constructor(layout: DeadLetterLayout, scripts: () => Promise<DeadLetterScripts>) {
    this.#layout = layout;
    this.#scripts = scripts;
  }

  async list(queue: string, options?: { limit?: number; offset?: number }): Promise<DeadLetter[]> {
    const limit = options?.limit ?? Number.POSITIVE_INFINITY;
    const offset = options?.offset ?? 0;
    if (!(limit >= 0 && Number.isInteger(offset) && offset >= 0)) {
      throw new RangeError('deadLetters.list() needs limit ≥ 0 and an integer offset ≥ 0.');
    }
    if (limit === 0) return [];
    const scripts = await this.#scripts();
    const stop = limit === Number.POSITIVE_INFINITY ? -1 : offset + Math.floor(limit) - 1;
    const keys = this.#layout.storeKeys(queue);
    const texts = (await scripts.run(scripts.list(keys, [offset, stop]))) as (string | null)[];
    return texts.flatMap((text) => {
      if (text === null) return [];
      const { id, queue: letterQueue, body, reason, deadLetteredAt } = JSON.parse(text) as DeadLetter;
      return [{ id, queue: letterQueue, body, reason, deadLetteredAt }];
    });
  }

  async requeue(queue: string, id: string): Promise<boolean> {
    const scripts = await this.#scripts();
    const { keys, args } = this.#layout.requeueCall(queue, id);
    return (await scripts.run(scripts.requeue(keys, args))) === 1;
  }

  async delete(queue: string, id: string): Promise<boolean> {
    const scripts = await this.#scripts();
    return (await scripts.run(scripts.delete(this.#layout.storeKeys(queue), [id]))) === 1;
  }
}
