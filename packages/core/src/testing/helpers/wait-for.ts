import { setTimeout as sleep } from 'node:timers/promises';
import { TimeoutError } from '../../errors/celeriac-error.ts';

/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /**
   * Give up after this many milliseconds.
   * @default 5000
   */
  timeout?: number;
  /**
   * Milliseconds between two checks of the condition.
   * @default 10
   */
  interval?: number;
  /**
   * What was awaited, for the timeout error. A function is called only on timeout, so it can
   * describe the state at that moment ("got 2 of 3 deliveries").
   */
  message?: string | (() => string);
}

/**
 * Resolve once `condition` returns true; reject with a `TimeoutError` that says what was awaited
 * when it is still false after `timeout` ms. Use it instead of sleeping in tests: it returns as
 * soon as the condition holds and fails loudly when it never does. An error thrown by `condition`
 * rejects at once. Uses real timers.
 *
 * @example
 * await waitFor(() => received.length === 3, { message: () => `got ${received.length} of 3` });
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  options: WaitForOptions = {},
): Promise<void> {
  const timeout = options.timeout ?? 5000;
  const interval = options.interval ?? 10;
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await condition()) return;
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      const what = typeof options.message === 'function' ? options.message() : options.message;
      throw new TimeoutError(`waitFor: condition still false after ${timeout} ms${what ? `: ${what}` : ''}`);
    }
    await sleep(Math.min(interval, remaining));
  }
}
