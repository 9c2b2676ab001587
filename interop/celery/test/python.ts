import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * The real Celery the interop tests run against: Debian's python3-celery under the system python3
 * (`PYTHON` overrides). `.ci/run` installs it; under `CI=true` a missing Celery fails the run.
 */
export const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';
const FIXTURES = fileURLToPath(new URL('./python/', import.meta.url));
const run = promisify(execFile);

async function probeCelery(): Promise<string> {
  try {
    await run(PYTHON, ['-c', 'import celery, redis, amqp'], { timeout: 20_000 });
    return '';
  } catch (error) {
    const reason = `${PYTHON} cannot import celery, redis and amqp (${(error as Error).message.split('\n')[0]})`;
    if (process.env.CI === 'true') {
      throw new Error(`${reason}, and CI=true: apt-get install -y python3-celery python3-redis.`);
    }
    console.warn(`\n⚠ interop-celery: skipping: ${reason}. apt-get install -y python3-celery python3-redis\n`);
    return reason;
  }
}

/** Empty when Celery is there; otherwise why the interop tests skip. */
export const celeryMissing: string = await probeCelery();

/** What the Python side connects to: broker, result backend, queue. */
export interface CeleryEnv {
  brokerUrl: string;
  backendUrl: string;
  queue: string;
  /** More environment for the Python side (e.g. CELERY_TS_QUEUE, where tasks.py routes `ts.*`). */
  extra?: Record<string, string>;
}

function pythonEnv(env: CeleryEnv): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CELERY_BROKER_URL: env.brokerUrl,
    CELERY_RESULT_BACKEND: env.backendUrl,
    CELERY_QUEUE: env.queue,
    PYTHONPATH: FIXTURES,
    PYTHONUNBUFFERED: '1',
    ...env.extra,
  };
}

/** A queue name of its own for one test, so tests never read each other's messages. */
export function uniqueQueue(label: string): string {
  return `interop-${label}-${randomBytes(4).toString('hex')}`;
}

export interface CeleryWorker {
  readonly hostname: string;
  /** Everything the worker printed so far. */
  output(): string;
  stop(): Promise<void>;
  /** Kill it with SIGKILL (a crash: no warm shutdown, nothing acknowledged or restored by it). */
  kill(): Promise<void>;
}

/** Start `celery worker` (solo pool) on `env.queue`; resolves once it says it is ready. */
export async function startCeleryWorker(env: CeleryEnv, timeoutMs = 30_000): Promise<CeleryWorker> {
  const hostname = `py-${randomBytes(3).toString('hex')}@interop`;
  const child = spawn(
    PYTHON,
    ['-m', 'celery', '-A', 'tasks', 'worker', '-P', 'solo', '-Q', env.queue, '-n', hostname, '--loglevel', 'INFO'],
    { cwd: FIXTURES, env: pythonEnv(env), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  const append = (chunk: Buffer): void => {
    log += chunk.toString();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`celery worker did not get ready within ${timeoutMs} ms:\n${log}`));
    }, timeoutMs);
    const check = (): void => {
      if (/ready\./.test(log)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`celery worker exited with ${code} before it was ready:\n${log}`));
    });
  });
  const kill = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  };
  return { hostname, output: () => log, stop: () => stop(child), kill };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** What `client.py` printed: the result, or the exception Celery raised. */
export interface ClientOutcome {
  id: string;
  result?: unknown;
  error_type?: string;
  error_message?: string;
}

/** Send a task from Python and wait for its result there (`AsyncResult.get(timeout=30)`). */
export async function pythonSend(
  env: CeleryEnv,
  task: string,
  args: unknown[],
  kwargs: Record<string, unknown> = {},
  countdown?: number,
): Promise<ClientOutcome> {
  const extra = countdown === undefined ? [] : [String(countdown)];
  return client(env, ['send', task, JSON.stringify(args), JSON.stringify(kwargs), ...extra]);
}

/** Apply a Celery chain from Python: `[[task, args], …]` (later steps get the previous result first). */
export async function pythonChain(env: CeleryEnv, steps: Array<[string, unknown[]]>): Promise<ClientOutcome> {
  return client(env, ['chain', JSON.stringify(steps)]);
}

async function client(env: CeleryEnv, args: string[]): Promise<ClientOutcome> {
  const { stdout } = await run(PYTHON, ['client.py', ...args], {
    cwd: FIXTURES,
    env: pythonEnv(env),
    timeout: 60_000,
  });
  const last = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last) as ClientOutcome;
}

/** `celery inspect ping --json`: the hostnames that answered. */
export async function pythonInspectPing(env: CeleryEnv, timeoutSeconds = 3): Promise<string[]> {
  try {
    const { stdout } = await run(
      PYTHON,
      ['-m', 'celery', '-A', 'tasks', 'inspect', 'ping', '--json', '--timeout', String(timeoutSeconds)],
      { cwd: FIXTURES, env: pythonEnv(env), timeout: 60_000 },
    );
    return Object.keys(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>);
  } catch (error) {
    // `inspect` exits 69 (EX_UNAVAILABLE) when no worker replied.
    if ((error as { code?: number }).code === 69) return [];
    throw error;
  }
}

/** What `client.py events` saw on `celeryev`, and what Celery's `events.State` made of it. */
export interface EventsCapture {
  events: Array<Record<string, unknown>>;
  alive_workers: string[];
  tasks: Record<string, { state: string; name: string | null; worker: string | null }>;
}

/**
 * Listen to Celery's events from Python (`app.events.Receiver`, as `celery events` and Flower do)
 * for `seconds`; resolves once it is listening, with the capture that ends after `seconds`.
 */
export async function pythonCaptureEvents(env: CeleryEnv, seconds: number): Promise<{ done: Promise<EventsCapture> }> {
  const child = spawn(PYTHON, ['client.py', 'events', String(seconds)], {
    cwd: FIXTURES,
    env: pythonEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`client.py events did not start listening:\n${stderr}`));
    }, 30_000);
    const check = (): void => {
      if (stdout.includes('listening')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`client.py events exited with ${code} before listening:\n${stderr}`));
    });
  });
  const done = exited.then((code) => {
    if (code !== 0) throw new Error(`client.py events exited with ${code}:\n${stderr}`);
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as EventsCapture;
  });
  return { done };
}

/** `app.control.revoke(taskId, reply=True)` from Python: the workers' replies (`[{ hostname: { ok } }]`). */
export async function pythonRevoke(env: CeleryEnv, taskId: string): Promise<ClientOutcome> {
  return client(env, ['revoke', taskId]);
}
