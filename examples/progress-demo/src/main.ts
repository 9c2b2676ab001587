import { Celeriac } from '@celeriac/core';
import { pino } from 'pino';
import { ProgressBar } from './progress-bar.ts';

/**
 * The smallest Celeriac service: an app on the embedded memory broker, a worker in the same
 * process, 1,000 tasks sent in one bulk call, live progress from the cluster's events, and a summary.
 * One task in twenty fails once on purpose and is retried automatically.
 */
const TOTAL = Number(process.env.DEMO_TASKS ?? 1000);

class FlakyThumbnailError extends Error {
  override name = 'FlakyThumbnailError';
}

const app = new Celeriac({ broker: 'memory://', logger: pino({ level: 'error' }) });

const thumbnail = app.task(
  'images.thumbnail',
  async (ctx, imageId: number) => {
    await ctx.progress(50, { imageId });
    await new Promise((resolve) => setTimeout(resolve, 40 + ((imageId * 37) % 120)));
    if (imageId % 20 === 0 && ctx.retries === 0) throw new FlakyThumbnailError(`image ${imageId}: decoder hiccup`);
    return { imageId, width: 128, height: 128 };
  },
  { bind: true, autoretryFor: [FlakyThumbnailError], retryBackoff: 0.05, retryJitter: false, maxRetries: 3 },
);

const worker = app.worker({ concurrency: 50 });
await worker.start();

const bar = new ProgressBar(TOTAL);
let done = 0;
let failed = 0;
let retried = 0;
const finished = new Promise<void>((resolve) => {
  const step = () => {
    bar.render(done + failed, failed, retried);
    if (done + failed === TOTAL) resolve();
  };
  app.events.on('task-retried', () => {
    retried++;
    step();
  });
  app.events.on('task-succeeded', () => {
    done++;
    step();
  });
  app.events.on('task-failed', () => {
    failed++;
    step();
  });
});
await app.events.ready();

console.log(`Celeriac demo: ${TOTAL} thumbnail tasks on the in-process memory broker, 50 at a time.\n`);
const t0 = performance.now();
const results = await thumbnail.applyBulk(Array.from({ length: TOTAL }, (_, i) => [i + 1] as [number]));
await finished;
bar.end();
const elapsed = (performance.now() - t0) / 1000;
const sample = await results[0]!.get({ timeout: 5000 });
await app.close();

console.log(`
Summary
  tasks        ${TOTAL} sent in one applyBulk call
  succeeded    ${done}
  failed       ${failed}
  retried      ${retried} (one in twenty fails once on purpose, then succeeds)
  elapsed      ${elapsed.toFixed(2)} s  (${Math.round(TOTAL / elapsed)} tasks/s)
  first result ${JSON.stringify(sample)}
`);
process.exitCode = failed === 0 && done === TOTAL ? 0 : 1;
