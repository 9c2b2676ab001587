import type { ResultBackend } from '../backend/result-backend.ts';

const DAY = 86_400;

/** Backend keys of beat (under the backend's own prefix, e.g. `celeriac:` on Redis). */
export const beatKeys = {
  /** The leader lease of the beats named `name`. */
  leader: (name: string): string => `beat:leader:${name}`,
  /**
   * The two slots of the last-run time of `entry`: the due time (epoch ms) of its last tick handled
   * (sent, or skipped); the greater slot is in force.
   */
  last: (entry: string, slot: 0 | 1): string => `beat:last:${entry}:${slot}`,
  /** Claimed by the one beat that sends this tick. */
  tick: (entry: string, due: number): string => `beat:tick:${entry}:${due}`,
};

/**
 * How long a last-run time is kept (refreshed on every write): 30 days, or longer for entries whose
 * ticks are further apart, so a restart still finds it.
 */
export function lastRunTtl(periodMs: number): number {
  return Math.max(30 * DAY, (2 * periodMs) / 1000 + DAY);
}

/**
 * How long a tick claim is kept: past the next tick, so a beat that sent a tick and died before it
 * recorded the last-run time cannot have that tick sent again by the beat that takes over.
 */
export function tickClaimTtl(periodMs: number, lockTtl: number): number {
  return Math.min(lastRunTtl(periodMs), Math.max(60, (2 * periodMs) / 1000 + lockTtl));
}

type Slots = [number | undefined, number | undefined];

/**
 * Last-run times and tick claims of beat entries, in the result backend.
 *
 * The backend has no plain "set", only delete and setIfAbsent, and a beat killed between the two
 * would leave no last-run time at all. So each entry has two slots, written in turn (the older one
 * is replaced) and read as the greater: a crash mid-write still leaves the previous time.
 */
export class BeatState {
  readonly #backend: ResultBackend;
  readonly #owner: string;
  /** What the slots held when last read or written by this beat. */
  readonly #slots = new Map<string, Slots>();

  constructor(backend: ResultBackend, owner: string) {
    this.#backend = backend;
    this.#owner = owner;
  }

  /** The persisted last-run time of `entry` (epoch ms), or undefined when none (or unreadable). */
  async last(entry: string): Promise<number | undefined> {
    return newest(await this.#read(entry));
  }

  /**
   * Record `at` as the start of `entry`'s schedule unless a last-run time exists; resolves to the
   * time in force (so every beat process agrees on where the ticks of a new entry start).
   */
  async anchor(entry: string, at: number, ttl: number): Promise<number> {
    if (await this.#backend.setIfAbsent(beatKeys.last(entry, 0), String(at), ttl)) {
      this.#slots.set(entry, [at, undefined]);
      return at;
    }
    return (await this.last(entry)) ?? at;
  }

  /**
   * Make `due` the last-run time of `entry` (kept `ttl` seconds). An earlier time than the one in
   * force is ignored, unless `replace` (the clock went back), which writes both slots.
   */
  async setLast(entry: string, due: number, ttl: number, options: { replace?: boolean } = {}): Promise<void> {
    if (options.replace === true) {
      for (const slot of [0, 1] as const) await this.#write(entry, slot, due, ttl);
      this.#slots.set(entry, [due, due]);
      return;
    }
    let slots = this.#slots.get(entry) ?? (await this.#read(entry));
    for (let attempt = 0; attempt < 3; attempt++) {
      if ((newest(slots) ?? Number.NEGATIVE_INFINITY) >= due) return;
      const older = (slots[0] ?? Number.NEGATIVE_INFINITY) <= (slots[1] ?? Number.NEGATIVE_INFINITY) ? 0 : 1;
      if (await this.#write(entry, older, due, ttl)) {
        slots = older === 0 ? [due, slots[1]] : [slots[0], due];
        this.#slots.set(entry, slots);
        return;
      }
      slots = await this.#read(entry); // another beat wrote meanwhile
    }
  }

  /** Claim the tick `due` of `entry`; true when this beat is the one to send it. */
  claim(entry: string, due: number, ttl: number): Promise<boolean> {
    return this.#backend.setIfAbsent(beatKeys.tick(entry, due), this.#owner, ttl);
  }

  /** Give a claim back after a failed send, so the tick is sent at the next wake. */
  async unclaim(entry: string, due: number): Promise<void> {
    const key = beatKeys.tick(entry, due);
    if ((await this.#backend.get(key)) === this.#owner) await this.#backend.delete(key);
  }

  async #read(entry: string): Promise<Slots> {
    const values = await Promise.all([0, 1].map((slot) => this.#backend.get(beatKeys.last(entry, slot as 0 | 1))));
    const slots = values.map((value) => {
      const ms = value === null ? Number.NaN : Number(value);
      return Number.isFinite(ms) ? ms : undefined;
    }) as Slots;
    this.#slots.set(entry, slots);
    return slots;
  }

  async #write(entry: string, slot: 0 | 1, due: number, ttl: number): Promise<boolean> {
    const key = beatKeys.last(entry, slot);
    await this.#backend.delete(key);
    return this.#backend.setIfAbsent(key, String(due), ttl);
  }
}

function newest(slots: Slots): number | undefined {
  const [a, b] = slots;
  if (a === undefined) return b;
  return b === undefined ? a : Math.max(a, b);
}
