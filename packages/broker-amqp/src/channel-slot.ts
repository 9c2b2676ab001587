import type { Channel } from 'amqplib';

/**
 * One channel, opened on first use and shared until RabbitMQ or the connection closes it (or it
 * fails to open): the next `get()` then opens a new one. `open` creates the channel and attaches
 * its own listeners; `onLost` hears of a channel that closed while it was the current one.
 */
export class ChannelSlot<C extends Channel> {
  readonly #open: (timeoutMs: number) => Promise<C>;
  readonly #onLost: (() => void) | undefined;
  #channel: Promise<C> | undefined;

  constructor(open: (timeoutMs: number) => Promise<C>, onLost?: () => void) {
    this.#open = open;
    this.#onLost = onLost;
  }

  /** The current channel, or a new one within `timeoutMs` (waiting for the connection). */
  get(timeoutMs: number): Promise<C> {
    if (this.#channel === undefined) {
      const created: Promise<C> = this.#open(timeoutMs).then((channel) => {
        channel.on('close', () => {
          if (this.#channel !== created) return;
          this.#channel = undefined;
          this.#onLost?.();
        });
        return channel;
      });
      this.#channel = created;
      created.catch(() => {
        if (this.#channel === created) this.#channel = undefined;
      });
    }
    return this.#channel;
  }

  /** The channel open or opening now, without opening one. */
  get current(): Promise<C> | undefined {
    return this.#channel;
  }

  /** Forget the channel (its connection is gone; the next `get()` opens one on the new connection). */
  reset(): void {
    this.#channel = undefined;
  }
}
