import type { BeatEntry, Worker } from '@celeriac/core';
import { every } from '@celeriac/core';
import { type CompanyOn, WORKER_QUEUES } from './company-on.ts';

/**
 * Beat's schedule: remove chat sessions idle for longer than `sessionMaxAgeSeconds`, once a day.
 * Exported by `app.ts` too, where `celeriac beat -A ./dist/app.js` finds it.
 */
export const beatSchedule: Record<string, BeatEntry> = {
  'cleanup-old-sessions': { task: 'cleanup.oldSessions', schedule: every('1d') },
};

/**
 * Start a worker on the pipeline's queues inside this process (the embedded mode; the separate
 * mode runs `npm run worker`, i.e. `celeriac worker -A ./dist/app.js -Q <the same queues>`).
 */
export async function startWorker(service: CompanyOn, concurrency: number): Promise<Worker> {
  const worker = service.app.worker({ queues: WORKER_QUEUES, concurrency: Math.max(2, concurrency) });
  await worker.start();
  return worker;
}

/** Start the beat scheduler inside this process (cleanup of old chat sessions, daily). */
export async function startBeat(service: CompanyOn): Promise<void> {
  await service.app.beat({ schedule: beatSchedule }).start();
}
