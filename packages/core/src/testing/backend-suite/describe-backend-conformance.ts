import { afterEach, beforeEach, describe } from 'vitest';
import type { ResultBackend } from '../../backend/result-backend.ts';
import type { BackendConformanceOptions, BackendSuiteContext } from './context.ts';
import { counterTests } from './counters.ts';
import { leaseTests } from './lease.ts';
import { logTests } from './logs.ts';
import { resultTests } from './results.ts';
import { setIfAbsentTests } from './set-if-absent.ts';
import { ttlTests } from './ttl.ts';
import { watchTests } from './watch.ts';

/**
 * Register the result-backend conformance suite, one `describe` per concern. Each test gets a
 * fresh backend from `options.create()` (connected first, closed after, then passed to
 * `options.cleanup`) and its own random task ids and keys.
 *
 * @example
 * describeBackendConformance({ name: 'memory', create: () => new MemoryBackend() });
 */
export function describeBackendConformance(options: BackendConformanceOptions): void {
  const timeScale = options.timeScale ?? 1;
  let current: ResultBackend | undefined;
  let created: ResultBackend[] = [];

  const ctx: BackendSuiteContext = {
    name: options.name,
    timeScale,
    get backend(): ResultBackend {
      if (!current) throw new Error('ctx.backend is only available while a conformance test runs');
      return current;
    },
    ms: (milliseconds) => Math.round(milliseconds * timeScale),
    seconds: (seconds) => seconds * timeScale,
    async createBackend() {
      const backend = await options.create();
      created.push(backend);
      await backend.connect();
      return backend;
    },
  };

  // Tests share `current`, so they must not run concurrently even when the project says so.
  describe(`backend conformance: ${options.name}`, { sequential: true, timeout: 20_000 * timeScale }, () => {
    beforeEach(async () => {
      current = await ctx.createBackend();
    });

    afterEach(async () => {
      const backends = created;
      created = [];
      current = undefined;
      const errors: unknown[] = [];
      for (const backend of backends) await backend.close().catch((error: unknown) => errors.push(error));
      for (const backend of backends) await options.cleanup?.(backend).catch((error: unknown) => errors.push(error));
      if (errors.length > 0) throw new AggregateError(errors, 'closing or cleaning up the test backends failed');
    });

    resultTests(ctx);
    watchTests(ctx);
    ttlTests(ctx);
    counterTests(ctx);
    setIfAbsentTests(ctx);
    leaseTests(ctx);
    logTests(ctx);
    if (options.additionalTests) describe('additional tests', () => options.additionalTests?.(ctx));
  });
}
