import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ResultBackend } from '../backend/result-backend.ts';
import { ConfigError } from '../errors/celeriac-error.ts';
import { coerceError } from '../errors/coerce-error.ts';
import type { CallOptions } from '../task/call-options.ts';
import { BeatLock } from './beat-lock.ts';
import { type BeatOptions, type ResolvedBeatOptions, type ResolvedEntry, resolveBeatOptions } from './beat-options.ts';
import { BeatState, beatKeys, lastRunTtl, tickClaimTtl } from './beat-state.ts';

/** What a beat needs from its app (a `Celeriac` app is one). */
export interface BeatHost {
  readonly logger: Logger;
  readonly hostname: string;
  /** The result backend, which holds the leader lock, last-run times and tick claims. */
  backend(): Promise<ResultBackend>;
  /** The app's publish path (routing applies). */
  sendTask(name: string, args: readonly unknown[], options: CallOptions): Promise<{ readonly id: string }>;
}

/**
 * A tick that fell due more than this before the beat became the leader was missed (no beat was
 * running), which `catchUp` decides about; later ones are on time. It covers a graceful handover,
 * where the next beat takes the released lock within a second.
 */
const LATE_GRACE_MS = 2000;

/** Log a failing send at error level on the first failure, then once per this many retries. */
const REPORT_EVERY_ATTEMPTS = 60;

/**
 * The periodic task scheduler (Celery's beat): sends each entry's task when its schedule falls due.
 * Any number of beats may run; the one holding the leader lock sends, and each tick is also claimed
 * in the result backend before it is sent, so a tick is sent once. Made by `app.beat(options)`.
 */
export class Beat {
  /** Beats with the same name share one leader lock. */
  readonly name: string;
  /** This beat's identity in the lock and tick claims: `<hostname>#<random>`. */
  readonly owner: string;
  readonly #host: BeatHost;
  readonly #options: ResolvedBeatOptions;
  readonly #logger: Logger;
  readonly #onClosed: ((beat: Beat) => void) | undefined;
  #lock: BeatLock | undefined;
  #state: BeatState | undefined;
  #starting: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #stopping = false;
  #loop: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #wakeUp: (() => void) | undefined;
  #wakePending = false;
  /** Last tick handled per entry, loaded from the backend when this beat became the leader. */
  #last: Map<string, number> | undefined;
  #loadedAt = -1;
  /** Entries whose last-run time is not yet written (the backend failed), with `replace`; retried each wake. */
  readonly #unsaved = new Map<string, boolean>();
  readonly #failures = new Map<string, number>();

  constructor(host: BeatHost, options: BeatOptions, onClosed?: (beat: Beat) => void) {
    this.#options = resolveBeatOptions(options);
    this.#host = host;
    this.#onClosed = onClosed;
    this.name = this.#options.name;
    this.owner = `${host.hostname}#${randomUUID().slice(0, 8)}`;
    this.#logger = host.logger.child({ beat: this.name });
  }

  /** True while this beat holds the leader lock (and so sends the ticks). */
  get isLeader(): boolean {
    return this.#lock?.isLeader ?? false;
  }

  /**
   * Connect to the result backend, try to take the leader lock once, and start scheduling.
   * Resolves once running (leading or standing by); rejects with `ConfigError` when the app has no
   * result backend.
   */
  start(): Promise<void> {
    if (this.#stopping)
      return Promise.reject(new ConfigError('This beat is closed; create a new one with app.beat().'));
    this.#starting ??= this.#start().catch((error: unknown) => {
      this.#starting = undefined;
      throw error;
    });
    return this.#starting;
  }

  /** Stop scheduling (a send in progress finishes) and release the lock, so another beat leads at once. */
  close(): Promise<void> {
    this.#stopping = true;
    this.#closing ??= (async () => {
      await this.#starting?.catch(() => undefined);
      this.#wakeNow();
      await this.#loop;
      await this.#lock?.close();
      this.#onClosed?.(this);
      if (this.#lock !== undefined) this.#logger.info({ owner: this.owner }, 'beat stopped');
    })();
    return this.#closing;
  }

  async #start(): Promise<void> {
    let backend: ResultBackend;
    try {
      backend = await this.#host.backend();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      throw new ConfigError(
        `Beat keeps its leader lock and last-run times in the result backend, and this app has none: ${error.message}`,
        { cause: error },
      );
    }
    if (!backend.capabilities.crossProcess) {
      this.#logger.warn(
        'beat runs on an in-process result backend (memory): its lock and last-run times are not shared with other processes, so beats started in other processes would each send every tick. Run one beat process, or use a Redis backend to run several.',
      );
    }
    if (this.#stopping) return;
    this.#state = new BeatState(backend, this.owner);
    const lock = new BeatLock({
      backend,
      key: beatKeys.leader(this.name),
      owner: this.owner,
      ttl: this.#options.lockTtl,
      logger: this.#logger,
      onAcquired: () => this.#wakeNow(),
    });
    this.#lock = lock;
    await lock.start();
    this.#logger.info(
      {
        owner: this.owner,
        entries: this.#options.entries.map((entry) => `${entry.name}: ${entry.task}, ${entry.schedule}`),
      },
      'beat started',
    );
    if (!this.#stopping) this.#loop = this.#run();
  }

  async #run(): Promise<void> {
    const capMs = this.#options.maxInterval * 1000;
    let errors = 0;
    while (!this.#stopping) {
      let delay = capMs;
      try {
        delay = Math.min(capMs, (await this.#wake()) - Date.now());
        errors = 0;
      } catch (error) {
        if (errors++ % REPORT_EVERY_ATTEMPTS === 0) {
          this.#logger.warn(
            { err: coerceError(error), attempts: errors },
            'beat cannot reach the result backend (lock, last-run times, tick claims); it retries at each wake',
          );
        }
      }
      if (this.#stopping) break;
      if (this.#wakePending) {
        this.#wakePending = false;
        continue;
      }
      await new Promise<void>((resolve) => {
        this.#wakeUp = resolve;
        // +1 ms: timers may fire a little before Date.now() reaches the due time.
        this.#timer = setTimeout(resolve, Math.max(1, delay + 1));
      });
      this.#wakeUp = undefined;
    }
  }

  #wakeNow(): void {
    clearTimeout(this.#timer);
    if (this.#wakeUp === undefined) this.#wakePending = true;
    this.#wakeUp?.();
  }

  /** Send what is due; resolves to the epoch ms of the next due tick. */
  async #wake(): Promise<number> {
    const lock = this.#lock;
    const state = this.#state;
    if (lock === undefined || state === undefined || !lock.isLeader) {
      this.#last = undefined;
      return Number.POSITIVE_INFINITY;
    }
    if (this.#last === undefined || this.#loadedAt !== lock.leaderSince) {
      this.#last = await this.#load(state, Date.now());
      this.#loadedAt = lock.leaderSince;
      this.#unsaved.clear();
    }
    const last = this.#last;
    await Promise.all(
      [...this.#unsaved].map(([name, replace]) => {
        const entry = this.#options.entries.find((e) => e.name === name);
        return entry === undefined ? undefined : this.#record(state, entry, last.get(name) as number, replace);
      }),
    );
    const now = Date.now();
    const next = await Promise.all(this.#options.entries.map((entry) => this.#wakeEntry(state, entry, now)));
    return Math.min(...next);
  }

  /** Last-run times of every entry; a new entry's schedule starts now (recorded, so all beats agree). */
  async #load(state: BeatState, now: number): Promise<Map<string, number>> {
    const times = await Promise.all(
      this.#options.entries.map(
        async (entry) =>
          [
            entry.name,
            (await state.last(entry.name)) ?? (await state.anchor(entry.name, now, ttlOf(entry, now))),
          ] as const,
      ),
    );
    return new Map(times);
  }

  async #wakeEntry(state: BeatState, entry: ResolvedEntry, now: number): Promise<number> {
    const last = (this.#last as Map<string, number>).get(entry.name) as number;
    const first = entry.schedule.next(last);
    if (last > now + Math.max(first - last, 60_000)) {
      this.#logger.warn(
        { entry: entry.name, last: new Date(last).toISOString() },
        `beat entry ${entry.name} last ran in the future (the clock went back?): its schedule restarts from now`,
      );
      await this.#record(state, entry, now, true);
      return entry.schedule.next(now);
    }
    if (first > now) return first;
    const due = entry.schedule.latest(last, now) ?? first;
    // The latest tick is late when it fell due while no beat led (down, or a failover); older ones
    // (due !== first) were missed either way. 'once' sends one run for all of them; 'skip' sends
    // none, except the latest tick when it is on time.
    const late = due < (this.#lock as BeatLock).leaderSince - LATE_GRACE_MS;
    if (late || due !== first) {
      const skip = this.#options.catchUp === 'skip';
      // Said once, not again at each retry of a send that keeps failing.
      if (!this.#failures.has(entry.name)) {
        this.#logger.info(
          { entry: entry.name, from: new Date(first).toISOString(), to: new Date(due).toISOString() },
          skip
            ? `beat skips the missed ticks of ${entry.name} (catchUp: 'skip')`
            : `beat sends one run of ${entry.name} for its missed ticks (catchUp: 'once')`,
        );
      }
      if (skip && late) {
        await this.#record(state, entry, due);
        return entry.schedule.next(due);
      }
    }
    const done = await this.#fire(state, entry, due);
    return done ? entry.schedule.next(due) : Date.now() + this.#options.maxInterval * 1000;
  }

  /** Claim the tick, send it, record it; false when it must be tried again at the next wake. */
  async #fire(state: BeatState, entry: ResolvedEntry, due: number): Promise<boolean> {
    if (!this.isLeader) return false;
    const period = entry.schedule.next(due) - due;
    if (!(await state.claim(entry.name, due, tickClaimTtl(period, this.#options.lockTtl)))) {
      this.#logger.debug({ entry: entry.name, due: new Date(due).toISOString() }, 'tick already sent by another beat');
      await this.#record(state, entry, due);
      return true;
    }
    const attempts = (this.#failures.get(entry.name) ?? 0) + 1;
    let taskId: string;
    try {
      taskId = (await this.#host.sendTask(entry.task, entry.args, entry.options)).id;
    } catch (error) {
      await state.unclaim(entry.name, due).catch(() => undefined);
      this.#failures.set(entry.name, attempts);
      if (attempts === 1 || attempts % REPORT_EVERY_ATTEMPTS === 0) {
        this.#logger.error(
          { err: coerceError(error), entry: entry.name, task: entry.task, attempts },
          `beat could not send ${entry.name} (${entry.task}): check that the broker is reachable; beat retries every ${this.#options.maxInterval}s until it is`,
        );
      }
      return false;
    }
    this.#failures.delete(entry.name);
    this.#logger.info(
      {
        entry: entry.name,
        task: entry.task,
        taskId,
        due: new Date(due).toISOString(),
        ...(attempts > 1 ? { attempts } : {}),
      },
      `beat sent ${entry.name}`,
    );
    await this.#record(state, entry, due);
    return true;
  }

  /** Remember `due` as the entry's last tick, in memory at once and in the backend (retried if it fails). */
  async #record(state: BeatState, entry: ResolvedEntry, due: number, replace = false): Promise<void> {
    this.#last?.set(entry.name, due);
    try {
      await state.setLast(entry.name, due, ttlOf(entry, due), { replace });
      this.#unsaved.delete(entry.name);
    } catch (error) {
      if (!this.#unsaved.has(entry.name)) {
        this.#logger.warn(
          { err: coerceError(error), entry: entry.name },
          `beat could not record the last run of ${entry.name}; it retries at the next wake`,
        );
      }
      this.#unsaved.set(entry.name, replace || this.#unsaved.get(entry.name) === true);
    }
  }
}

function ttlOf(entry: ResolvedEntry, at: number): number {
  return lastRunTtl(entry.schedule.next(at) - at);
}
