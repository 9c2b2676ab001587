import type { DeadLetter, DeadLetterStore } from '@celeriac/core';
import type { Channel, GetMessage } from 'amqplib';

/** Remove a scanned dead letter for good. */
type Ack = (message: GetMessage) => void;

import type { Declarer } from './declarer.ts';
import { toCeleriacError } from './errors.ts';
import type { ResolvedOptions } from './options.ts';
import type { ConnectionKeeper } from './reconnect.ts';
import { DEAD_AT_HEADER, REASON_HEADER, type Topology } from './topology.ts';

/** Publish a dead letter back onto its queue (the broker's own publish path). */
export type Requeuer = (queue: string, message: GetMessage) => Promise<void>;

/** Read a dead-letter message as a `DeadLetter` ({@link toDeadLetter}, or Celery mode's). */
export type LetterReader = (queue: string, message: GetMessage) => DeadLetter;

/**
 * The dead-letter store on `<queue>.dlq`. AMQP cannot look into a queue, so every call reads the
 * dead-letter queue from its head with `basic.get` (no auto-ack), up to `deadLetterScanLimit`
 * messages, acks the ones it removes and closes its channel, which puts the rest back in place.
 * Cost: one round trip per dead letter read. Calls on one queue are serialized in this process;
 * a scan in another process hides the letters it holds until it ends.
 */
export class AmqpDeadLetterStore implements DeadLetterStore {
  readonly #keeper: ConnectionKeeper;
  readonly #declarer: Declarer;
  readonly #options: ResolvedOptions;
  readonly #topology: Topology;
  readonly #requeue: Requeuer;
  readonly #read: LetterReader;
  readonly #locks = new Map<string, Promise<unknown>>();

  constructor(
    keeper: ConnectionKeeper,
    declarer: Declarer,
    options: ResolvedOptions,
    topology: Topology,
    requeue: Requeuer,
    read: LetterReader = toDeadLetter,
  ) {
    this.#keeper = keeper;
    this.#declarer = declarer;
    this.#options = options;
    this.#topology = topology;
    this.#requeue = requeue;
    this.#read = read;
  }

  list(queue: string, options: { limit?: number; offset?: number } = {}): Promise<DeadLetter[]> {
    return this.#scan(queue, async (messages) => {
      const seen = new Set<string>();
      const letters: DeadLetter[] = [];
      // Oldest first in the queue; newest first in the list, a later letter hiding an earlier one with its id.
      for (let i = messages.length - 1; i >= 0; i--) {
        const letter = this.#read(queue, messages[i]!);
        if (seen.has(letter.id)) continue;
        seen.add(letter.id);
        letters.push(letter);
      }
      const offset = Math.max(0, options.offset ?? 0);
      return letters.slice(offset, options.limit === undefined ? undefined : offset + Math.max(0, options.limit));
    });
  }

  requeue(queue: string, id: string): Promise<boolean> {
    return this.#scan(queue, async (messages, ack) => {
      const matches = messages.filter((message) => message.properties.messageId === id);
      const newest = matches.at(-1);
      if (newest === undefined) return false;
      await this.#requeue(queue, newest);
      for (const message of matches) ack(message);
      return true;
    });
  }

  delete(queue: string, id: string): Promise<boolean> {
    return this.#scan(queue, async (messages, ack) => {
      const matches = messages.filter((message) => message.properties.messageId === id);
      for (const message of matches) ack(message);
      return matches.length > 0;
    });
  }

  /** Read `queue`'s dead letters on a channel of their own, run `use`, then close the channel. */
  #scan<T>(queue: string, use: (messages: GetMessage[], ack: Ack) => Promise<T>): Promise<T> {
    const previous = this.#locks.get(queue) ?? Promise.resolve();
    const run = previous.then(async () => {
      const name = this.#topology.deadLetterQueue(queue);
      let channel: Channel | undefined;
      try {
        if ((await this.#declarer.count(name)) === undefined) return await use([], () => undefined);
        const connection = await this.#keeper.get(this.#options.publishTimeout);
        channel = await connection.createChannel();
        channel.on('error', () => undefined);
        const messages: GetMessage[] = [];
        while (messages.length < this.#options.deadLetterScanLimit) {
          const message = await channel.get(name, { noAck: false });
          if (message === false) break;
          messages.push(message);
        }
        const open = channel;
        return await use(messages, (message) => open.ack(message));
      } catch (error) {
        throw toCeleriacError(error, 'manage dead letters', this.#options.url);
      } finally {
        // Closing returns every letter not acked to where it was, in order.
        await channel?.close().catch(() => undefined);
      }
    });
    const tail = run.catch(() => undefined);
    this.#locks.set(queue, tail);
    void tail.then(() => {
      if (this.#locks.get(queue) === tail) this.#locks.delete(queue);
    });
    return run;
  }
}

export function toDeadLetter(queue: string, message: GetMessage): DeadLetter {
  const headers = message.properties.headers ?? {};
  const reason = headers[REASON_HEADER];
  const at = headers[DEAD_AT_HEADER];
  const id = message.properties.messageId;
  return {
    id: typeof id === 'string' ? id : '',
    queue,
    body: message.content.toString('utf8'),
    reason: typeof reason === 'string' ? reason : Buffer.isBuffer(reason) ? reason.toString('utf8') : 'unknown',
    deadLetteredAt: typeof at === 'number' ? at : 0,
  };
}
