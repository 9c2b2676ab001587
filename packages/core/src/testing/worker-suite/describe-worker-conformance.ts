import { afterEach, describe } from 'vitest';
import type { Celeriac } from '../../app/celeriac.ts';
import { uniqueQueue } from '../helpers/unique-queue.ts';
import { callingTests } from './calling.ts';
import { canvasTests } from './canvas.ts';
import type { WorkerConformanceOptions, WorkerSuiteContext } from './context.ts';
import { dedupTests } from './dedup.ts';
import { remoteControlTests } from './remote-control.ts';
import { revokeTests } from './revoke.ts';
import { taskLogsTests } from './task-logs.ts';
import { timeLimitTests } from './time-limits.ts';

/**
 * Register the worker conformance suite: the execution-control behaviours of a real app and worker
 * (calling, retries, priority, revoke, canvas, deduplication, remote control, pause/resume, time
 * limits, task logs) on the broker and backend `options.createApp` builds, one `describe` per
 * concern. Each test uses its own queue names and its own apps, closed after it.
 *
 * @example
 * // packages/broker-memory/test/worker-conformance.test.ts
 * let url = '';
 * beforeEach(() => { url = `memory://${uniqueQueue('worker')}`; });
 * describeWorkerConformance({ name: 'memory', createApp: () => new Celeriac({ broker: url, logger }) });
 */
export function describeWorkerConformance(options: WorkerConformanceOptions): void {
  const timeScale = options.timeScale ?? 1;
  let apps: Celeriac[] = [];

  const ctx: WorkerSuiteContext = {
    name: options.name,
    timeScale,
    ms: (milliseconds) => Math.round(milliseconds * timeScale),
    seconds: (seconds) => seconds * timeScale,
    async app(label = 'app') {
      const app = await options.createApp(label);
      apps.push(app);
      return app;
    },
    hostname: (label) => uniqueQueue(label),
  };

  // Apps of one test share the broker the adapter set up for it: tests must not overlap.
  describe(`worker conformance: ${options.name}`, { sequential: true, timeout: 30_000 * timeScale }, () => {
    afterEach(async () => {
      const closing = apps;
      apps = [];
      const errors: unknown[] = [];
      await Promise.all(
        closing.map((app) => app.close({ timeout: ctx.ms(2_000) }).catch((error: unknown) => errors.push(error))),
      );
      await options.cleanup?.().catch((error: unknown) => errors.push(error));
      if (errors.length > 0) throw new AggregateError(errors, 'closing or cleaning up the test apps failed');
    });

    callingTests(ctx);
    revokeTests(ctx);
    canvasTests(ctx);
    dedupTests(ctx);
    remoteControlTests(ctx);
    timeLimitTests(ctx);
    taskLogsTests(ctx);
  });
}
