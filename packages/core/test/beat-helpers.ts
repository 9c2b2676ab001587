import { Writable } from 'node:stream';
import type { Celeriac } from '@celeriac/core';
import { type Logger, pino } from 'pino';

/** A pino logger whose lines a test can read back. */
export function recordingLogger(level = 'debug'): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line));
      callback();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

/** Messages of the recorded lines, optionally of one level (30 info, 40 warn, 50 error). */
export function messages(lines: Record<string, unknown>[], level?: number): string[] {
  return lines.filter((line) => level === undefined || line.level === level).map((line) => String(line.msg));
}

/**
 * Write the persisted last-run time of a beat entry, as an earlier beat would have (beat keeps it
 * in two slots, `beat:last:<entry>:0|1`, and reads the greater).
 */
export async function setLastRun(app: Celeriac, entry: string, at: number): Promise<void> {
  const backend = await app.backend();
  await Promise.all([backend.delete(`beat:last:${entry}:0`), backend.delete(`beat:last:${entry}:1`)]);
  await backend.setIfAbsent(`beat:last:${entry}:0`, String(at), 3600);
}

/** The persisted last-run time of a beat entry (epoch ms), or null. */
export async function lastRun(app: Celeriac, entry: string): Promise<number | null> {
  const backend = await app.backend();
  const slots = await Promise.all([backend.get(`beat:last:${entry}:0`), backend.get(`beat:last:${entry}:1`)]);
  const times = slots.filter((value) => value !== null).map(Number);
  return times.length === 0 ? null : Math.max(...times);
}

/** Messages waiting in a queue of the app's broker. */
export async function queued(app: Celeriac, queue = 'default'): Promise<number> {
  return (await (await app.broker()).stats(queue)).ready;
}
