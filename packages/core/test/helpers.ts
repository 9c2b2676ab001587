import { randomUUID } from 'node:crypto';
import { Celeriac, type CeleriacOptions, type ClusterEvent, type QueueStats } from '@celeriac/core';
import { type Logger, pino } from 'pino';

/** A logger that prints nothing: tests assert on behaviour, not on log lines. */
export const silentLogger: Logger = pino({ level: 'silent' });

/** A fresh `memory://` URL: apps naming the same one share a broker, so each test gets its own. */
export function uniqueMemoryUrl(label = 'test'): string {
  return `memory://${label}-${randomUUID()}`;
}

const openApps = new Set<Celeriac>();

/**
 * A silent app on its own memory broker (or on `options.broker` when given, e.g. to share one
 * URL between a producer app and a worker app). Close them all with `closeApps()` in `afterEach`.
 */
export function makeApp(options: CeleriacOptions = {}): Celeriac {
  const app = new Celeriac({ broker: uniqueMemoryUrl(), logger: silentLogger, ...options });
  openApps.add(app);
  return app;
}

/** Close every app made by `makeApp()` in this file. */
export async function closeApps(): Promise<void> {
  const apps = [...openApps];
  openApps.clear();
  await Promise.all(apps.map((app) => app.close({ timeout: 2_000 })));
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
}

/** A promise with its resolve/reject exposed: lets a test hold a task open and release it. */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Poll `condition` until it returns a truthy value (or a promise of one) and resolve to that value.
 * Rejects with the last seen value in the message when `timeout` ms pass first.
 */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  options: { timeout?: number; interval?: number; message?: string } = {},
): Promise<NonNullable<T>> {
  const timeout = options.timeout ?? 5_000;
  const interval = options.interval ?? 5;
  const deadline = Date.now() + timeout;
  let last: T | undefined;
  for (;;) {
    last = await condition();
    if (last) return last as NonNullable<T>;
    if (Date.now() > deadline) {
      throw new Error(`${options.message ?? 'condition'} not met within ${timeout} ms (last value: ${String(last)})`);
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/** Wait until `stats(queue)` of the app's broker matches `expected` (a subset of the counters). */
export async function waitForStats(
  app: Celeriac,
  queue: string,
  expected: Partial<QueueStats>,
  timeout = 5_000,
): Promise<QueueStats> {
  const broker = await app.broker();
  let seen: QueueStats | undefined;
  await waitFor(
    async () => {
      seen = await broker.stats(queue);
      return Object.entries(expected).every(([key, value]) => seen?.[key as keyof QueueStats] === value);
    },
    { timeout, message: `stats of ${queue} = ${JSON.stringify(expected)}` },
  ).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}; last stats ${JSON.stringify(seen)}`);
  });
  return seen!;
}

/** Records every cluster event the app sees, from the moment this resolves. */
export async function recordEvents(app: Celeriac): Promise<ClusterEvent[]> {
  const events: ClusterEvent[] = [];
  app.events.on('*', (event) => {
    events.push(event);
  });
  await app.events.ready();
  return events;
}

/**
 * Resolve after `ms`. Only for negative checks ("nothing happened within this window"), never to
 * wait for something to happen: for that, await a result or an event, or use `waitFor`.
 */
export function quietWindow(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
