const RESOLVED: Promise<void> = Promise.resolve();

/**
 * The connect/close bookkeeping every broker and backend of this package shares. `connect()` opens
 * once for all its callers and may be called again after it failed or after a close; a reopen
 * waits for a close in progress, which still uses the old connections. `close()` waits for a
 * connect in progress and shuts down only what a successful one opened; a second `close()` waits
 * for the first.
 */
export class ConnectionLifecycle<T = void> {
  readonly #open: () => Promise<T>;
  readonly #shutDown: (opened: T) => Promise<void>;
  #connecting: Promise<T> | undefined;
  /** The last close, which a second `close()` call and a reopen wait for. */
  #closing: Promise<void> | undefined;
  #closed = false;

  constructor(open: () => Promise<T>, shutDown: (opened: T) => Promise<void>) {
    this.#open = open;
    this.#shutDown = shutDown;
  }

  /** True from `close()` until the next `connect()`. */
  get closed(): boolean {
    return this.#closed;
  }

  /** What the current connect opened, starting one when there is none. */
  connect(): Promise<T> {
    if (this.#connecting === undefined) {
      this.#closed = false;
      const connecting = this.#reopen();
      this.#connecting = connecting;
      // A failed connect may be retried; unless a close and a new connect have replaced it already.
      connecting.catch(() => {
        if (this.#connecting === connecting) this.#connecting = undefined;
      });
    }
    return this.#connecting;
  }

  close(): Promise<void> {
    const connecting = this.#connecting;
    if (connecting === undefined) return this.#closing ?? RESOLVED;
    this.#closed = true;
    this.#connecting = undefined;
    // A connect that failed opened nothing.
    this.#closing = connecting.then(
      (opened) => this.#shutDown(opened),
      () => undefined,
    );
    return this.#closing;
  }

  async #reopen(): Promise<T> {
    await this.#closing;
    return this.#open();
  }
}
