/** One revoke, as kept by workers. */
export interface Revocation {
  taskId: string;
  /** Epoch ms after which the revoke is forgotten. */
  expiresAt: number;
  terminate: boolean;
}

/** Encode a revoke as a line of the backend's revokes log. */
export function formatRevocation(revocation: Revocation): string {
  return `${revocation.taskId} ${revocation.expiresAt} ${revocation.terminate ? 1 : 0}`;
}

export function parseRevocation(line: string): Revocation | undefined {
  const [taskId, expiresAt, terminate] = line.split(' ');
  const expiry = Number(expiresAt);
  if (taskId === undefined || taskId === '' || !Number.isFinite(expiry)) return undefined;
  return { taskId, expiresAt: expiry, terminate: terminate === '1' };
}

/**
 * A worker's set of revoked task ids, each kept until its expiry (Celery keeps revokes for three
 * hours by default). Bounded: the oldest are dropped past `max`.
 */
export class RevokedSet {
  readonly #entries = new Map<string, number>();
  readonly #max: number;

  constructor(max = 50_000) {
    this.#max = max;
  }

  add(revocation: Revocation): void {
    this.#entries.delete(revocation.taskId);
    this.#entries.set(revocation.taskId, revocation.expiresAt);
    if (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  has(taskId: string, now: number = Date.now()): boolean {
    if (this.#entries.size === 0) return false;
    const expiresAt = this.#entries.get(taskId);
    if (expiresAt === undefined) return false;
    if (expiresAt > now) return true;
    this.#entries.delete(taskId);
    return false;
  }

  get size(): number {
    return this.#entries.size;
  }
}
