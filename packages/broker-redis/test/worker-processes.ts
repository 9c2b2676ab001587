import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Celeriac } from '@celeriac/core';
import { pino } from 'pino';
import { RedisBackend, RedisBroker } from '../src/index.ts';
import { adminClient, deleteKeys, redisUrl, uniquePrefix } from './helpers.ts';

/**
 * Cross-process test kit: worker processes running `fixtures/worker-process.mjs` (built packages:
 * run `npx tsc -b` first) and an in-test app, all on one Redis under one fresh key prefix.
 */

const FIXTURE = fileURLToPath(new URL('./fixtures/worker-process.mjs', import.meta.url));
const BUILDS = ['../../core/dist/index.js', '../dist/index.js'].map((path) =>
  fileURLToPath(new URL(path, import.meta.url)),
);

export interface WorkerProcess {
  readonly hostname: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** What the process wrote on stderr so far (shown when it fails to start). */
  stderr(): string;
}

export interface ProcessWorkerOptions {
  hostname: string;
  concurrency?: number;
  queues?: string[];
  handleSignals?: boolean;
  /** ms, with handleSignals. */
  shutdownTimeout?: number;
}

/** One test's Redis world: a prefix, an app in this process, the worker processes it spawned. */
export class CrossProcessKit {
  readonly prefix = uniquePrefix();
  readonly broker = new RedisBroker({ url: redisUrl(), prefix: this.prefix });
  readonly backend = new RedisBackend({ url: redisUrl(), prefix: this.prefix });
  readonly app = new Celeriac({ broker: this.broker, backend: this.backend, logger: pino({ level: 'silent' }) });
  readonly redis = adminClient();
  readonly #processes = new Set<WorkerProcess>();
  readonly #others: { app: Celeriac; broker: RedisBroker; backend: RedisBackend }[] = [];

  /** Another app on the same Redis and prefix, with its own connections (closed by `close()`). */
  otherApp(): Celeriac {
    const broker = new RedisBroker({ url: redisUrl(), prefix: this.prefix });
    const backend = new RedisBackend({ url: redisUrl(), prefix: this.prefix });
    const app = new Celeriac({ broker, backend, logger: pino({ level: 'silent' }) });
    this.#others.push({ app, broker, backend });
    return app;
  }

  /** A test-side key, as the fixture names it. */
  key(name: string): string {
    return `${this.prefix}test:${name}`;
  }

  /** Start a worker process and resolve once it consumes (it prints its ready line). */
  async spawnWorker(options: ProcessWorkerOptions, timeout = 20_000): Promise<WorkerProcess> {
    const missing = BUILDS.filter((path) => !existsSync(path));
    if (missing.length > 0) {
      throw new Error(
        `Worker processes import the built packages: run \`npx tsc -b\` first (missing ${missing.join(', ')}).`,
      );
    }
    const child = spawn(process.execPath, [FIXTURE], {
      env: {
        ...process.env,
        CELERIAC_TEST_REDIS_URL: redisUrl(),
        CELERIAC_TEST_PREFIX: this.prefix,
        WORKER_HOSTNAME: options.hostname,
        WORKER_CONCURRENCY: String(options.concurrency ?? 4),
        WORKER_QUEUES: (options.queues ?? ['default']).join(','),
        HANDLE_SIGNALS: options.handleSignals === true ? '1' : '0',
        SHUTDOWN_TIMEOUT: String(options.shutdownTimeout ?? 30_000),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string);
    const worker: WorkerProcess = { hostname: options.hostname, child, exited, stderr: () => stderr };
    this.#processes.add(worker);
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        if (stdout.includes(`"ready":"${options.hostname}"`)) resolve();
      });
      void exited.then((how) =>
        reject(new Error(`worker process ${options.hostname} exited (${how}) before it was ready:\n${stderr}`)),
      );
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`worker process ${options.hostname} not ready within ${timeout} ms:\n${stderr}`)),
        timeout,
      );
    });
    try {
      await Promise.race([ready, timedOut]);
    } finally {
      clearTimeout(timer);
    }
    return worker;
  }

  /** Ids of the `xp.block` runs that started, with the worker that ran each, in start order. */
  async blockStarts(): Promise<{ id: string; hostname: string }[]> {
    return (await this.redis.lrange(this.key('started'), 0, -1)).map(
      (line) => JSON.parse(line) as { id: string; hostname: string },
    );
  }

  /** Kill what still runs, close the apps and connections, delete every key of the prefix. */
  async close(): Promise<void> {
    for (const worker of this.#processes) {
      if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
    }
    await Promise.all([...this.#processes].map((worker) => worker.exited));
    const apps = [{ app: this.app, broker: this.broker, backend: this.backend }, ...this.#others];
    await Promise.all(apps.map(({ app }) => app.close({ timeout: 2_000 })));
    await Promise.all(apps.flatMap(({ broker, backend }) => [broker.close(), backend.close()]));
    this.redis.disconnect();
    await deleteKeys(this.prefix);
  }
}

/** Register, on a producer app, stub tasks with the fixture's names, so `.s()` signatures can be built. */
export function fixtureTasks(app: Celeriac) {
  const notHere = (): never => {
    throw new Error('runs in the worker process only');
  };
  return {
    block: app.task('xp.block', (_label: string, _mode: 'ignore' | 'honour'): { label: string; hostname: string } =>
      notHere(),
    ),
    count: app.task('xp.count', (_label: string): string => notHere()),
    member: app.task('xp.member', (_n: number): { n: number; hostname: string } => notHere()),
    callback: app.task(
      'xp.callback',
      (_results: { n: number; hostname: string }[]): { ns: number[]; hosts: string[]; calledOn: string } => notHere(),
    ),
  };
}
