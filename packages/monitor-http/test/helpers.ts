import { randomBytes } from 'node:crypto';
import { Celeriac, type CeleriacOptions, type TaskContext, type Worker } from '@celeriac/core';
import { pino } from 'pino';
import { createMonitor, type Monitor, type MonitorOptions } from '../src/index.ts';

/** Promises a test opens by key: a task waits on one to hold a state until the test moves on. */
export class Gates {
  readonly #gates = new Map<string, { promise: Promise<void>; open: () => void }>();

  #gate(key: string) {
    let gate = this.#gates.get(key);
    if (gate === undefined) {
      let open!: () => void;
      const promise = new Promise<void>((resolve) => {
        open = resolve;
      });
      gate = { promise, open };
      this.#gates.set(key, gate);
    }
    return gate;
  }

  wait(key: string): Promise<void> {
    return this.#gate(key).promise;
  }

  open(key: string): void {
    this.#gate(key).open();
  }

  openAll(): void {
    for (const gate of this.#gates.values()) gate.open();
  }
}

/** A unique in-process broker URL, so test files never share a memory broker. */
export function uniqueMemoryUrl(): string {
  return `memory://monitor-${randomBytes(6).toString('hex')}`;
}

export interface Fixture {
  app: Celeriac;
  worker: Worker;
  monitor: Monitor;
  /** Base URL of the monitor's own server, ending in `/`. */
  url: string;
  gates: Gates;
  /** Whether `demo.flaky` fails (it does until the test says otherwise). */
  flaky: { fail: boolean };
  close(): Promise<void>;
}

/**
 * A Celeriac app with an in-process worker and the demo tasks, plus a monitor on its own server:
 * `demo.add(a, b)`, `demo.fail(message)` (fails, no retries), `demo.gate(key)` (waits for the gate),
 * `demo.sleep(ms)` (bound; ends early when revoked with terminate), `demo.flaky()` (fails while
 * `flaky.fail`), `demo.log(text)` (writes a log line).
 */
export async function startFixture(
  options: { app?: CeleriacOptions; monitor?: MonitorOptions; worker?: boolean } = {},
): Promise<Fixture> {
  const app = new Celeriac({
    broker: uniqueMemoryUrl(),
    logger: pino({ level: 'silent' }),
    ...options.app,
  });
  const gates = new Gates();
  const flaky = { fail: true };
  app.task('demo.add', (a: number, b: number) => a + b);
  app.task(
    'demo.fail',
    (message: string) => {
      throw new TypeError(message);
    },
    { maxRetries: 0 },
  );
  app.task('demo.gate', async (key: string) => {
    await gates.wait(key);
    return key;
  });
  app.task(
    'demo.sleep',
    async (ctx: TaskContext, ms: number) => {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      return ms;
    },
    { bind: true },
  );
  app.task(
    'demo.flaky',
    () => {
      if (flaky.fail) throw new Error('flaky failed on purpose');
      return 'ok now';
    },
    { maxRetries: 0 },
  );
  app.task(
    'demo.log',
    (ctx: TaskContext, text: string) => {
      ctx.log.info({ text }, 'logged by demo.log');
      return text;
    },
    { bind: true },
  );
  // Replies end the wait as soon as every known worker answered; the timeout only bounds a slow machine.
  const monitor = createMonitor(app, { inspectTimeout: 2000, ...options.monitor });
  await app.events.ready();
  const worker = app.worker({ concurrency: 4, heartbeatInterval: 1 });
  if (options.worker !== false) await worker.start();
  const listening = await monitor.listen(0);
  return {
    app,
    worker,
    monitor,
    url: listening.url,
    gates,
    flaky,
    async close() {
      gates.openAll();
      await monitor.close();
      await app.close({ timeout: 2000 });
    },
  };
}

export interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test responses are read field by field.
  json: any;
}

/** One request to the monitor; actions get the CSRF header unless `csrf: false`. */
export async function call(
  base: string,
  path: string,
  options: { method?: string; body?: unknown; token?: string; csrf?: boolean; headers?: Record<string, string> } = {},
): Promise<CallResult> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.csrf !== false) headers['X-Celeriac-CSRF'] = '1';
  if (options.token !== undefined) headers.Authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  }
  const res = await fetch(new URL(path, base), { method: options.method ?? 'GET', headers, body, redirect: 'manual' });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}
