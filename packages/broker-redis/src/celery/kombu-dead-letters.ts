import type { DeadLetter, DeadLetterStore } from '@celeriac/core';
import type { Script } from '../scripts.ts';
import type { KombuKeys } from './kombu-keys.ts';

/** The scripts a dead-letter call runs, and how Redis failures become Celeriac errors. */
interface DeadLetterScripts {
  list: Script;
  requeue: Script;
  delete: Script;
  run<T>(reply: Promise<T>): Promise<T>;
}

/**
 * Celery mode's dead letters, in Celeriac's own keys per queue (kombu has none): an ids sorted set
 * scored by a sequence (newest highest) and a hash of records `{ id, queue, body, reason,
 * deadLetteredAt, raw }`, where `raw` is the kombu message as it was, which `requeue` pushes back.
 */
export class KombuDeadLetters implements DeadLetterStore {
  readonly #keys: KombuKeys;
  readonly #scripts: () => Promise<DeadLetterScripts>;

  constructor(keys: KombuKeys, scripts: () => Promise<DeadLetterScripts>) {
    this.#keys = keys;
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
    const [ids, records] = this.#keys.deadLetters(queue);
    const texts = (await scripts.run(scripts.list([ids, records], [offset, stop]))) as (string | null)[];
    return texts.flatMap((text) => {
      if (text === null) return [];
      const { id, queue: letterQueue, body, reason, deadLetteredAt } = JSON.parse(text) as DeadLetter;
      return [{ id, queue: letterQueue, body, reason, deadLetteredAt }];
    });
  }

  /** The kombu message goes to the back of the list of its priority, as a fresh publish. */
  async requeue(queue: string, id: string): Promise<boolean> {
    const scripts = await this.#scripts();
    const reply = scripts.requeue(this.#keys.queueBlock(queue), [id, ...this.#keys.steps]);
    return (await scripts.run(reply)) === 1;
  }

  async delete(queue: string, id: string): Promise<boolean> {
    const scripts = await this.#scripts();
    const [ids, records] = this.#keys.deadLetters(queue);
    return (await scripts.run(scripts.delete([ids, records], [id]))) === 1;
  }
}
