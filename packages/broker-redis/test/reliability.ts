/**
 * Helpers of the reliability tests (*.redis.test.ts): worker processes built from
 * fixtures/worker.mjs, an in-process producer, run counters, pending entries, and Redis ACL users
 * that make a worker's connections identifiable in CLIENT LIST.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Celeriac, type QueueStats } from '@celeriac/core';
import { waitFor } from '@celeriac/core/testing';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, expect } from 'vitest';
import { RedisBackend, RedisBroker } from '../src/index.ts';
import { CONSUMER_GROUP, PRIORITY_LEVELS } from '../src/keys.ts';
import { adminClient, deleteKeys, redisUrl, uniquePrefix } from './helpers.ts';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const WORKER_FIXTURE = fileURLToPath(new URL('./fixtures/worker.mjs', import.meta.url));

/** The fixtures import dist/: fail with what to do when it is missing; warn when it looks stale. */
export function requireBuiltPackages(): void {
  const packages = [fileURLToPath(new URL('../../core/', import.meta.url)), packageDir];
  for (const dir of packages) {
    if (!existsSync(`${dir}dist/index.js`)) {
      throw new Error(
        `${dir}dist/index.js is missing: the worker fixtures run the built packages. Build first: cd /work/main && npx tsc -b`,
      );
    }
  }
  if (warnedStale) return;
  for (const dir of packages) {
    // tsc -b rewrites only the outputs that changed: compare the newest file on each side.
    if (newest(`${dir}src`, '.ts') > newest(`${dir}dist`, '')) {
      warnedStale = true;
      console.warn(`⚠ ${dir}src has changes newer than dist/: the worker fixtures run the old build (npx tsc -b).`);
    }
  }
}

let warnedStale = false;

function newest(dir: string, suffix: string): number {
  let time = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith(suffix)) {
      time = Math.max(time, statSync(`${entry.parentPath}/${entry.name}`).mtimeMs);
    }
  }
  return time;
}

/** One line the worker fixture printed. */
export interface WorkerLine {
  event: 'ready' | 'started' | 'finished';
  pid: number;
  at: number;
  id?: string;
  redelivered?: boolean;
}

/** Options of {@link startWorker}: they become the fixture's environment. */
export interface WorkerProcessOptions {
  prefix: string;
  /** Broker and backend URL. @default redisUrl() */
  url?: string;
  visibilityTimeout?: number;
  concurrency?: number;
  prefetchMultiplier?: number;
}

/** A worker fixture process. */
export interface WorkerProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Every JSON line printed so far. */
  readonly lines: WorkerLine[];
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** What it printed on stderr (for failure messages). */
  stderr(): string;
  /** Task ids it started, in order. */
  started(): string[];
  /** Whether it is still running. */
  alive(): boolean;
  /** SIGKILL, resolved once it has exited. */
  kill(): Promise<void>;
  /** SIGTERM (cold close in the fixture), SIGKILL after `timeoutMs`; resolved once exited. */
  stop(timeoutMs?: number): Promise<void>;
}

const running = new Set<WorkerProcess>();

/** Start fixtures/worker.mjs and resolve once it prints its ready line (it is consuming). */
export async function startWorker(options: WorkerProcessOptions): Promise<WorkerProcess> {
  requireBuiltPackages();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    REDIS_URL: options.url ?? redisUrl(),
    COUNTER_URL: redisUrl(),
    CELERIAC_PREFIX: options.prefix,
  };
  // The worker must resolve @celeriac/* to dist/, as an application does, not to src/.
  delete env.NODE_OPTIONS;
  if (options.visibilityTimeout !== undefined) env.VISIBILITY_TIMEOUT = String(options.visibilityTimeout);
  if (options.concurrency !== undefined) env.CONCURRENCY = String(options.concurrency);
  if (options.prefetchMultiplier !== undefined) env.PREFETCH_MULTIPLIER = String(options.prefetchMultiplier);
  const child = spawn(process.execPath, [WORKER_FIXTURE], { cwd: packageDir, env, stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: WorkerLine[] = [];
  let stderr = '';
  let pending = '';
  let onReady: (() => void) | undefined;
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    pending += chunk;
    let end = pending.indexOf('\n');
    while (end >= 0) {
      const text = pending.slice(0, end);
      pending = pending.slice(end + 1);
      end = pending.indexOf('\n');
      if (text.trim() === '') continue;
      const line = JSON.parse(text) as WorkerLine;
      lines.push(line);
      if (line.event === 'ready') onReady?.();
    }
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr += chunk;
  });
  let exitedWith: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      exitedWith = { code, signal };
      resolve(exitedWith);
    });
  });
  const worker: WorkerProcess = {
    pid: child.pid!,
    child,
    lines,
    exited,
    stderr: () => stderr,
    started: () => lines.filter((line) => line.event === 'started').map((line) => line.id!),
    alive: () => exitedWith === undefined,
    kill: async () => {
      if (exitedWith === undefined) child.kill('SIGKILL');
      await exited;
    },
    stop: async (timeoutMs = 5000) => {
      if (exitedWith !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
  running.add(worker);
  void exited.then(() => running.delete(worker));
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  const outcome = await Promise.race([
    ready.then(() => 'ready' as const),
    exited.then(() => 'exited' as const),
    new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 30_000).unref()),
  ]);
  if (outcome !== 'ready') {
    await worker.kill();
    throw new Error(
      `worker fixture ${outcome === 'exited' ? `exited (${JSON.stringify(exitedWith)})` : 'printed no ready line within 30 s'} before consuming; stderr:\n${stderr}`,
    );
  }
  return worker;
}

/** Stop every worker process still running (afterEach). */
export async function stopWorkers(): Promise<void> {
  await Promise.all([...running].map((worker) => worker.stop()));
}

/** An in-process app (src/) that sends tasks to the workers and reads their results. */
export function producerApp(prefix: string): { app: Celeriac; broker: RedisBroker; close(): Promise<void> } {
  const broker = new RedisBroker({ url: redisUrl(), prefix });
  const backend = new RedisBackend({ url: redisUrl(), prefix });
  const app = new Celeriac({ broker, backend, logger: pino({ level: 'silent' }) });
  return {
    app,
    broker,
    close: async () => {
      await app.close();
      await Promise.all([broker.close(), backend.close()]);
    },
  };
}

/** How many times each task id was started / finished by the fixture's `rel.work`. */
export async function runCounts(admin: Redis, prefix: string): Promise<{ starts: Counts; finishes: Counts }> {
  const [starts, finishes] = await Promise.all([
    admin.hgetall(`${prefix}test:starts`),
    admin.hgetall(`${prefix}test:finishes`),
  ]);
  return { starts: toCounts(starts), finishes: toCounts(finishes) };
}

export type Counts = Map<string, number>;

function toCounts(hash: Record<string, string>): Counts {
  return new Map(Object.entries(hash).map(([id, count]) => [id, Number(count)]));
}

/** A message pending (leased) in a queue's consumer group. */
export interface PendingEntry {
  messageId: string;
  consumer: string;
  idleMs: number;
}

/** Every pending entry of `queue` (all priorities), with the message id from its stream entry. */
export async function pendingEntries(admin: Redis, prefix: string, queue: string): Promise<PendingEntry[]> {
  const out: PendingEntry[] = [];
  for (let level = 0; level < PRIORITY_LEVELS; level++) {
    const stream = `${prefix}queue:${queue}:ready:${level}`;
    if ((await admin.exists(stream)) === 0) continue;
    let pending: [string, string, number, number][];
    try {
      pending = (await admin.xpending(stream, CONSUMER_GROUP, '-', '+', 100_000)) as typeof pending;
    } catch (error) {
      if (String(error).includes('NOGROUP')) continue;
      throw error;
    }
    for (const [entryId, consumer, idleMs] of pending) {
      const [entry] = await admin.xrange(stream, entryId, entryId);
      const fields = entry?.[1] ?? [];
      const messageId = fields[fields.indexOf('i') + 1] ?? `(entry ${entryId} gone)`;
      out.push({ messageId, consumer, idleMs });
    }
  }
  return out;
}

/** A Redis ACL user of its own, so CLIENT LIST tells a worker's connections from everyone else's. */
export interface AclUser {
  name: string;
  /** `redisUrl()` with this user's credentials. */
  url: string;
  /** Remove the user (and so disconnect its clients). */
  drop(): Promise<void>;
}

export async function createAclUser(admin: Redis): Promise<AclUser> {
  const name = `celeriac-test-${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  await admin.call('ACL', 'SETUSER', name, 'reset', 'on', `>${password}`, '~*', '&*', '+@all');
  const url = new URL(redisUrl());
  url.username = name;
  url.password = password;
  return { name, url: url.toString(), drop: async () => void (await admin.call('ACL', 'DELUSER', name)) };
}

/** One CLIENT LIST row. */
export interface ClientInfo {
  id: string;
  name: string;
  user: string;
  addr: string;
}

export async function clientList(admin: Redis): Promise<ClientInfo[]> {
  const text = String(await admin.call('CLIENT', 'LIST'));
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const fields = Object.fromEntries(
        line
          .trim()
          .split(' ')
          .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
      );
      return { id: fields.id ?? '', name: fields.name ?? '', user: fields.user ?? '', addr: fields.addr ?? '' };
    });
}

/** Poll `read` until `accept` holds; resolves the accepted value. */
export async function pollUntil<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  options: { timeout: number; interval?: number; message: (last: T | undefined) => string },
): Promise<T> {
  let last: T | undefined;
  await waitFor(
    async () => {
      last = await read();
      return accept(last);
    },
    { timeout: options.timeout, interval: options.interval ?? 25, message: () => options.message(last) },
  );
  return last!;
}

/** Everything a reliability test opened, undone in afterEach. */
export class TestScope {
  readonly prefix: string;
  readonly admin: Redis = adminClient();
  readonly #cleanups: (() => Promise<void>)[] = [];

  constructor(prefix: string) {
    this.prefix = prefix;
  }

  defer(cleanup: () => Promise<void>): void {
    this.#cleanups.push(cleanup);
  }

  async close(): Promise<void> {
    await stopWorkers();
    for (const cleanup of this.#cleanups.reverse()) await cleanup().catch(() => undefined);
    await deleteKeys(this.prefix);
    this.admin.disconnect();
  }
}

/** What a reliability test starts from: a fresh scope (key prefix, admin client) and a producer in it. */
export interface ReliabilityStart {
  scope: TestScope;
  prefix: string;
  admin: Redis;
  producer: ReturnType<typeof producerApp>;
}

/**
 * Call once at the top of a reliability test file. Each test calls the returned function first;
 * everything the test opened in that scope (worker processes, the producer, deferred cleanups,
 * its keys) is undone after it.
 */
export function scopePerTest(): () => ReliabilityStart {
  let scope: TestScope | undefined;
  afterEach(async () => {
    await scope?.close();
    scope = undefined;
  });
  return () => {
    scope = new TestScope(uniquePrefix());
    const producer = producerApp(scope.prefix);
    scope.defer(producer.close);
    return { scope, prefix: scope.prefix, admin: scope.admin, producer };
  };
}

/**
 * Assert `queue`'s stats, waiting up to 10 s for them: a result is stored before its delivery is
 * acknowledged, so `get()` can resolve a moment before `unacked` drops.
 */
export async function expectStats(broker: RedisBroker, queue: string, expected: QueueStats): Promise<void> {
  const same = (stats: QueueStats) =>
    stats.ready === expected.ready &&
    stats.delayed === expected.delayed &&
    stats.unacked === expected.unacked &&
    stats.dead === expected.dead;
  const stats = await pollUntil(() => broker.stats(queue), same, {
    timeout: 10_000,
    message: (last) => `stats of ${queue}: ${JSON.stringify(last)}`,
  }).catch(() => broker.stats(queue));
  expect(stats).toEqual(expected);
}
