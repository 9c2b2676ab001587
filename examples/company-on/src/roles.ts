import type { BeatEntry, Worker } from '@celeriac/core';
import { every } from '@celeriac/core';
import { type CompanyOn, WORKER_QUEUES } from './company-on.ts';

/** Beat's schedule: remove chat sessions idle for longer than `sessionMaxAgeSeconds`, once a day. */
export const beatSchedule: Record<string, BeatEntry> = {
  'cleanup-old-sessions': { task: 'cleanup.oldSessions', schedule: every('1d') },
};

/** Start a worker on the pipeline's queues. */
export async function startWorker(service: CompanyOn, concurrency: number, handleSignals = false): Promise<Worker> {
  const worker = service.app.worker({ queues: WORKER_QUEUES, concurrency: Math.max(2, concurrency) });
  await worker.start({ handleSignals });
  return worker;
}

/** Start the beat scheduler (cleanup of old chat sessions, daily). */
export async function startBeat(service: CompanyOn): Promise<void> {
  await service.app.beat({ schedule: beatSchedule }).start();
}
