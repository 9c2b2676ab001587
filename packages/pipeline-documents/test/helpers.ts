import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Celeriac, type CeleriacOptions, type ClusterEvent } from '@celeriac/core';
import { type Logger, pino } from 'pino';

/** Absolute path of a shipped sample document. */
export function samplePath(name: string): string {
  return fileURLToPath(new URL(`../samples/${name}`, import.meta.url));
}

/** Bytes of a shipped sample document. */
export function readSample(name: string): Promise<Buffer> {
  return readFile(samplePath(name));
}

const tempDirs: string[] = [];

/** A fresh temporary directory, removed by `removeTempDirs()`. */
export async function tempDir(label = 'pipeline'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `celeriac-${label}-`));
  tempDirs.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  const dirs = tempDirs.splice(0);
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
}

/** A logger that prints nothing: tests assert on behaviour, not on log lines. */
export const silentLogger: Logger = pino({ level: 'silent' });

const openApps = new Set<Celeriac>();

/** A silent app on its own memory broker. Close them all with `closeApps()` in `afterEach`. */
export function makeApp(options: CeleriacOptions = {}): Celeriac {
  const app = new Celeriac({ broker: `memory://pipeline-${randomUUID()}`, logger: silentLogger, ...options });
  openApps.add(app);
  return app;
}

export async function closeApps(): Promise<void> {
  const apps = [...openApps];
  openApps.clear();
  await Promise.all(apps.map((app) => app.close({ timeout: 2_000 })));
}

/** Every cluster event the app sees from the moment this resolves. */
export async function recordEvents(app: Celeriac): Promise<ClusterEvent[]> {
  const events: ClusterEvent[] = [];
  app.events.on('*', (event) => {
    events.push(event);
  });
  await app.events.ready();
  return events;
}

/** Poll `condition` until truthy; reject after `timeout` ms naming what was awaited. */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  options: { timeout?: number; interval?: number; message?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + (options.timeout ?? 10_000);
  for (;;) {
    const value = await condition();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`${options.message ?? 'condition'} not met in time`);
    await new Promise((resolve) => setTimeout(resolve, options.interval ?? 10));
  }
}
