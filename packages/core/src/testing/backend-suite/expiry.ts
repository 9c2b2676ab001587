import { expect } from 'vitest';
import { waitFor } from '../helpers/wait-for.ts';
import type { BackendSuiteContext } from './context.ts';

/**
 * `write` stores something with a TTL of 0.3 s (× timeScale); `present` reads it back. Asserts it
 * is there at first, gone within about 0.5 s more, and not gone before its TTL ran out. Polls with a
 * deadline instead of sleeping, so a fast backend finishes as soon as the thing expires.
 */
export async function expectExpiry(
  ctx: BackendSuiteContext,
  write: (ttl: number) => Promise<unknown>,
  present: () => Promise<boolean>,
): Promise<void> {
  const ttl = ctx.seconds(0.3);
  const start = Date.now();
  await write(ttl);
  expect(await present()).toBe(true);
  let goneAt = 0;
  await waitFor(
    async () => {
      const gone = !(await present());
      if (gone) goneAt = Date.now();
      return gone;
    },
    { timeout: ctx.ms(1000), interval: 20, message: `still present ${ctx.ms(1000)} ms after a ${ttl} s TTL` },
  );
  expect(goneAt - start).toBeGreaterThanOrEqual(ttl * 1000);
}

/** Resolve once `ms` have passed since `start`: for checks that something outlived a TTL. */
export async function clockPassed(start: number, ms: number): Promise<void> {
  await waitFor(() => Date.now() - start > ms, { timeout: ms + 1000, interval: 20 });
}
