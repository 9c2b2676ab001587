import { ConfigError } from '../errors/celeriac-error.ts';
import { copyJson, type Json } from '../json/json.ts';
import type { CallOptions } from '../task/call-options.ts';
import { assertSchedule, type Schedule } from './schedule.ts';

/** One periodic task of a beat, as in Celery's `beat_schedule`. */
export interface BeatEntry {
  /** The task to send: its name (sent with `app.sendTask`, so routes apply), or the `Task` itself. */
  task: string | { readonly name: string };
  /** When: `every(60)`, `every('10m')`, `crontab('0 0 * * *')`, `crontab({ hour: 7, minute: 30 })`. */
  schedule: Schedule;
  /** Arguments of each run. @default [] */
  args?: readonly Json[];
  /** Call options of each run (queue, priority, expires, headers…). */
  options?: CallOptions;
}

/** Options of `app.beat(options)`. Times are in seconds. */
export interface BeatOptions {
  /** Entry name → entry. The name keys the entry's last-run time, so keep it stable across deploys. */
  schedule: Record<string, BeatEntry>;
  /** Beats with the same name share one leader lock: only one of them sends. @default 'default' */
  name?: string;
  /**
   * Ticks that fell due while no beat ran (down, or during a failover): `'once'` sends one run for
   * all of them as soon as a beat leads again; `'skip'` sends none and waits for the next tick.
   * @default 'once'
   */
  catchUp?: 'once' | 'skip';
  /** Leader lock time to live, seconds; renewed every second. A dead leader is replaced within about this. @default 5 */
  lockTtl?: number;
  /** Longest single sleep between two checks of the schedule, seconds. @default 1 */
  maxInterval?: number;
}

/** A validated entry. */
export interface ResolvedEntry {
  name: string;
  task: string;
  schedule: Schedule;
  args: readonly Json[];
  options: CallOptions;
}

/** Options with defaults applied, entries checked. */
export interface ResolvedBeatOptions {
  name: string;
  entries: ResolvedEntry[];
  catchUp: 'once' | 'skip';
  lockTtl: number;
  maxInterval: number;
}

/** Check `app.beat()` options; throws `ConfigError` saying what is wrong. */
export function resolveBeatOptions(options: BeatOptions): ResolvedBeatOptions {
  if (options === null || typeof options !== 'object') {
    throw new ConfigError(
      "app.beat() takes options: app.beat({ schedule: { name: { task: 'x', schedule: every(60) } } }).",
    );
  }
  const { schedule } = options;
  if (schedule === null || typeof schedule !== 'object' || Array.isArray(schedule)) {
    throw new ConfigError(
      "app.beat() needs a schedule object: { schedule: { 'cleanup': { task: 'cleanup.run', schedule: every('1h') } } }.",
    );
  }
  const name = options.name ?? 'default';
  if (typeof name !== 'string' || name === '') throw new ConfigError('Beat name must be a non-empty string.');
  const catchUp = options.catchUp ?? 'once';
  if (catchUp !== 'once' && catchUp !== 'skip') {
    throw new ConfigError(`Beat catchUp must be 'once' or 'skip', got ${JSON.stringify(catchUp) ?? String(catchUp)}.`);
  }
  return {
    name,
    entries: Object.entries(schedule).map(([entry, value]) => resolveEntry(entry, value)),
    catchUp,
    lockTtl: positiveSeconds(options.lockTtl, 5, 'lockTtl'),
    maxInterval: positiveSeconds(options.maxInterval, 1, 'maxInterval'),
  };
}

function resolveEntry(name: string, entry: BeatEntry): ResolvedEntry {
  if (name === '') throw new ConfigError('Beat entry names must be non-empty.');
  if (entry === null || typeof entry !== 'object') {
    throw new ConfigError(`Beat entry "${name}" must be an object { task, schedule, args?, options? }.`);
  }
  const task = typeof entry.task === 'string' ? entry.task : entry.task?.name;
  if (typeof task !== 'string' || task === '') {
    throw new ConfigError(`Beat entry "${name}" needs a task: a task name ('cleanup.run') or a Task.`);
  }
  assertSchedule(entry.schedule, name);
  const given = entry.args ?? [];
  if (!Array.isArray(given)) throw new ConfigError(`Beat entry "${name}" args must be an array, got ${typeof given}.`);
  let args: Json[];
  try {
    args = copyJson(given as Json[], `beat entry "${name}" args`);
  } catch (error) {
    throw new ConfigError((error as Error).message, { cause: error });
  }
  const callOptions = entry.options ?? {};
  if (callOptions === null || typeof callOptions !== 'object') {
    throw new ConfigError(`Beat entry "${name}" options must be call options ({ queue, priority, expires… }).`);
  }
  return { name, task, schedule: entry.schedule, args, options: callOptions };
}

function positiveSeconds(value: number | undefined, fallback: number, option: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigError(`Beat ${option} must be a number of seconds > 0, got ${String(value)}.`);
  }
  return value;
}
