import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Celeriac } from '@celeriac/core';
import { pino } from 'pino';
import { RedisBackend, RedisBroker } from '../src/index.ts';
import { adminClient, deleteKeys, redisUrl, uniquePrefix } from './helpers.ts';

/**
 * Beat test kit: beat processes running `fixtures/beat-process.mjs` (built packages: run
 * `npx tsc -b` first) and, in the test process, a worker that records each `beat.tick` it receives,
 * all on one Redis under one fresh key prefix.
 */

const FIXTURE = fileURLToPath(new URL('./fixtures/beat-process.mjs', import.meta.url));
const BUILDS = ['../../core/dist/index.js', '../dist/index.js'].map((path) =>
  fileURLToPath(new URL(path, import.meta.url)),
);

/** One log line of a beat process (pino JSON) or its ready line. */
export interface BeatLine {
  msg?: string;
  due?: string;
  ready?: boolean;
  owner?: string;
  [key: string]: unknown;
}

export interface BeatProcess {
  readonly child: ChildProcess;
  /** Its lock owner id (from the ready line). */
  readonly owner: string;
  /** Every line printed so far. */
  readonly lines: BeatLine[];
  /** Due times (epoch ms) of the ticks this process logged as sent. */
  sentDues(): number[];
  /** Resolves once the process has exited. */
  readonly exited: Promise<unknown>;
}

export interface BeatProcessOptions {
  every?: number;
  lockTtl?: number;
  catchUp?: 'once' | 'skip';
}

export class BeatKit {
  readonly prefix = uniquePrefix();
  readonly broker = new RedisBroker({ url: redisUrl(), prefix: this.prefix });
  readonly backend = new RedisBackend({ url: redisUrl(), prefix: this.prefix });
  readonly app = new Celeriac({ broker: this.broker, backend: this.backend, logger: pino({ level: 'silent' }) });
  readonly redis = adminClient();
  /** Epoch ms at which the test's worker received each `beat.tick`. */
  readonly received: number[] = [];
  readonly #processes = new Set<BeatProcess>();

  constructor() {
    this.app.task('beat.tick', () => {
      this.received.push(Date.now());
      return null;
    });
  }

  /** Start the worker that receives the ticks. */
  async startWorker(): Promise<void> {
    await this.app.worker({ concurrency: 4 }).start();
  }

  /** The owner id in the leader lock, or null. */
  async leader(): Promise<string | null> {
    return (await this.app.backend()).get('beat:leader:default');
  }

  /** The persisted last-run time of an entry (epoch ms; the greater of its two slots), or null. */
  async lastRun(entry: string): Promise<number | null> {
    const backend = await this.app.backend();
    const slots = await Promise.all([backend.get(`beat:last:${entry}:0`), backend.get(`beat:last:${entry}:1`)]);
    const times = slots.filter((value) => value !== null).map(Number);
    return times.length === 0 ? null : Math.max(...times);
  }

  /** Write the persisted last-run time of an entry, as an earlier beat would have. */
  async setLastRun(entry: string, at: number): Promise<void> {
    const backend = await this.app.backend();
    await Promise.all([backend.delete(`beat:last:${entry}:0`), backend.delete(`beat:last:${entry}:1`)]);
    await backend.setIfAbsent(`beat:last:${entry}:0`, String(at), 3600);
  }

  /** Start a beat process and resolve once its beat is started. */
  async spawnBeat(options: BeatProcessOptions = {}, timeout = 20_000): Promise<BeatProcess> {
    const missing = BUILDS.filter((path) => !existsSync(path));
    if (missing.length > 0) {
      throw new Error(
        `Beat processes import the built packages: run \`npx tsc -b\` first (missing ${missing.join(', ')}).`,
      );
    }
    const child = spawn(process.execPath, [FIXTURE], {
      env: {
        ...process.env,
        CELERIAC_TEST_REDIS_URL: redisUrl(),
        CELERIAC_TEST_PREFIX: this.prefix,
        BEAT_EVERY: String(options.every ?? 1),
        BEAT_LOCK_TTL: String(options.lockTtl ?? 2),
        BEAT_CATCH_UP: options.catchUp ?? 'once',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: BeatLine[] = [];
    let stderr = '';
    let partial = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const exited = once(child, 'exit');
    const ready = new Promise<string>((resolve, reject) => {
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        const parts = (partial + chunk).split('\n');
        partial = parts.pop() ?? '';
        for (const part of parts) {
          if (part.trim() === '') continue;
          const line = JSON.parse(part) as BeatLine;
          lines.push(line);
          if (line.ready === true) resolve(String(line.owner));
        }
      });
      void exited.then(([code, signal]) =>
        reject(new Error(`beat process exited (${String(code ?? signal)}) before it was ready:\n${stderr}`)),
      );
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`beat process not ready within ${timeout} ms:\n${stderr}`)), timeout);
    });
    try {
      const owner = await Promise.race([ready, timedOut]);
      const beat: BeatProcess = {
        child,
        owner,
        lines,
        exited,
        sentDues: () =>
          lines.filter((line) => line.msg === 'beat sent tick').map((line) => Date.parse(String(line.due))),
      };
      this.#processes.add(beat);
      return beat;
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILL a beat process and wait until it is gone. */
  async kill(beat: BeatProcess): Promise<void> {
    beat.child.kill('SIGKILL');
    await beat.exited;
  }

  /** Kill what still runs, close the app, delete every key of the prefix. */
  async close(): Promise<void> {
    for (const beat of this.#processes) {
      if (beat.child.exitCode === null && beat.child.signalCode === null) beat.child.kill('SIGKILL');
    }
    await Promise.all([...this.#processes].map((beat) => beat.exited));
    await this.app.close({ timeout: 2_000 });
    await Promise.all([this.broker.close(), this.backend.close()]);
    this.redis.disconnect();
    await deleteKeys(this.prefix);
  }
}
