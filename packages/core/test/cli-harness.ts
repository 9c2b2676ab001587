import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deleteKeysUnder, findRedisUnderTest, uniqueTestPrefix } from '@celeriac/broker-redis/testing';
import { describe } from 'vitest';

/**
 * Runs the real `celeriac` binary (packages/core/dist/cli/main.js) in child processes, with the
 * fixture app module test/fixtures/cli-app.mjs (Redis at REDIS_URL, keys under a fresh prefix).
 * The binary and the fixture import the builds: run `npx tsc -b` first.
 */

/** packages/core: the CLI runs here, so `-A test/fixtures/cli-app.mjs` is relative to it. */
export const CORE_DIR: string = fileURLToPath(new URL('..', import.meta.url));
export const MAIN: string = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
export const FIXTURE = 'test/fixtures/cli-app.mjs';
const BUILDS = [MAIN, fileURLToPath(new URL('../../broker-redis/dist/index.js', import.meta.url))];

/** Throws, naming what is missing and how to build it, when the builds the CLI runs are absent. */
export function assertBuilt(): void {
  const missing = BUILDS.filter((path) => !existsSync(path));
  if (missing.length > 0) {
    throw new Error(
      `The CLI tests spawn the built binary: run \`npx tsc -b\` (or \`npx tsc -b packages/core packages/broker-redis\`) first. Missing: ${missing.join(', ')}`,
    );
  }
}

export interface CliRun {
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall time, ms. */
  ms: number;
}

/** Run `celeriac …args` to completion (killed after `timeout` ms) and collect its output. */
export async function runCli(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeout?: number } = {},
): Promise<CliRun> {
  assertBuilt();
  const started = Date.now();
  const child = spawn(process.execPath, [MAIN, ...args], {
    cwd: CORE_DIR,
    env: { ...process.env, ...options.env },
    // stdin is a pipe, never a terminal: purge must refuse without -f.
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin?.end();
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const timeout = options.timeout ?? 20_000;
  const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  const ms = Date.now() - started;
  if (code === null) {
    throw new Error(
      `celeriac ${args.join(' ')} did not finish within ${timeout} ms\nstdout: ${stdout}\nstderr: ${stderr}`,
    );
  }
  return { code, stdout, stderr, ms };
}

/** The CLI tests' Redis, by @celeriac/broker-redis's rules (REDIS_URL, CI, testcontainers). */
const redis = await findRedisUnderTest({ label: '@celeriac/core CLI tests' });

/** `describe` that is skipped, saying why in its title, when no Redis is available. */
export const describeWithRedis: (name: string, body: () => void) => void = redis.describeWhenAvailable(describe);

export interface WorkerProcess {
  readonly hostname: string;
  readonly child: ChildProcess;
  /** Everything it printed on stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or the signal's name) once it exited. */
  readonly exited: Promise<number | string>;
}

/** One test's world on Redis: a key prefix, the env the CLI gets, and the workers it started. */
export class CliWorld {
  readonly prefix: string = uniqueTestPrefix('celeriac-cli-test');
  readonly redisUrl: string = redis.url();
  readonly #workers = new Set<WorkerProcess>();

  /** Env for the CLI: the fixture reads REDIS_URL and the prefix. */
  get env(): NodeJS.ProcessEnv {
    return { REDIS_URL: this.redisUrl, CELERIAC_TEST_PREFIX: this.prefix };
  }

  /** A queue name no other test uses (the prefix isolates keys; this keeps logs readable). */
  queue(label: string): string {
    return `${label}-${randomBytes(3).toString('hex')}`;
  }

  /** `celeriac …args -A <fixture>` with this world's env. */
  run(args: readonly string[], timeout?: number): Promise<CliRun> {
    return runCli([...args, '-A', FIXTURE], { env: this.env, timeout });
  }

  /** Start `celeriac worker -A <fixture> …args` and resolve once it prints "<hostname> ready.". */
  startWorker(args: readonly string[], timeout = 20_000): Promise<WorkerProcess> {
    const hostname = `cli-${randomBytes(4).toString('hex')}@test`;
    return this.start(['worker', '-A', FIXTURE, '--hostname', hostname, ...args], hostname, `${hostname} ready.`, {
      timeout,
    });
  }

  /**
   * Start a long-running `celeriac …args` (worker, beat) and resolve once its stdout contains
   * `readyText`. `close()` stops it like a worker.
   */
  async start(
    args: readonly string[],
    hostname: string,
    readyText: string,
    options: { timeout?: number; env?: NodeJS.ProcessEnv } = {},
  ): Promise<WorkerProcess> {
    assertBuilt();
    const timeout = options.timeout ?? 20_000;
    const child = spawn(process.execPath, [MAIN, ...args], {
      cwd: CORE_DIR,
      env: { ...process.env, ...this.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string);
    const worker: WorkerProcess = { hostname, child, output: () => output, exited };
    this.#workers.add(worker);
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
        if (output.includes(readyText)) resolve();
      });
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
      });
      void exited.then((how) =>
        reject(new Error(`celeriac ${args[0]} exited (${how}) before it was ready:\n${output}`)),
      );
    });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`celeriac ${args[0]} not ready within ${timeout} ms:\n${output}`)),
        timeout,
      );
    });
    try {
      await Promise.race([ready, late]);
    } finally {
      clearTimeout(timer);
    }
    return worker;
  }

  /** SIGTERM every process still running, SIGKILL what is left after `deadline` ms; resolves to how each ended. */
  async stopWorkers(deadline = 10_000): Promise<(number | string)[]> {
    const workers = [...this.#workers];
    this.#workers.clear();
    return Promise.all(
      workers.map(async (worker) => {
        const { child } = worker;
        if (child.exitCode !== null || child.signalCode !== null) return worker.exited;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), deadline);
        try {
          return await worker.exited;
        } finally {
          clearTimeout(timer);
        }
      }),
    );
  }

  /** Stop the workers and delete every key under the prefix. */
  async close(): Promise<void> {
    await this.stopWorkers();
    await deleteKeysUnder(this.redisUrl, this.prefix);
  }
}
