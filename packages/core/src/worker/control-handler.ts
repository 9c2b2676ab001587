import type { ControlRequest } from '../control/protocol.ts';
import type { Revocation } from '../control/revocations.ts';
import type { Json } from '../json/json.ts';

/** What a worker exposes to remote control. */
export interface ControlTarget {
  readonly hostname: string;
  activeTasks(): Json[];
  reservedTasks(): Json[];
  stats(): Json;
  registered(): string[];
  revoke(revocation: Revocation): void;
  pauseQueue(queue: string): Promise<void>;
  resumeQueue(queue: string): Promise<void>;
  setRateLimit(taskName: string, rate: string | null): void;
}

function stringArg(request: ControlRequest, name: string): string {
  const value = request.args[name];
  if (typeof value !== 'string' || value === '') throw new Error(`control ${request.command}: missing "${name}"`);
  return value;
}

/** Answer one control request; the value is the reply's `result`. */
export async function handleControl(target: ControlTarget, request: ControlRequest): Promise<Json> {
  switch (request.command) {
    case 'ping':
      return { ok: 'pong' };
    case 'active':
      return target.activeTasks();
    case 'reserved':
      return target.reservedTasks();
    case 'scheduled':
      // Delayed messages wait in the broker, never in a worker's memory: nothing is scheduled here.
      return [];
    case 'stats':
      return target.stats();
    case 'registered':
      return target.registered();
    case 'revoke': {
      const expiresAt = Number(request.args.expiresAt);
      target.revoke({
        taskId: stringArg(request, 'taskId'),
        expiresAt: Number.isFinite(expiresAt) ? expiresAt : Date.now() + 3 * 3_600_000,
        terminate: request.args.terminate === true,
      });
      return { ok: 'revoked' };
    }
    case 'pause_queue':
      await target.pauseQueue(stringArg(request, 'queue'));
      return { ok: 'paused' };
    case 'resume_queue':
      await target.resumeQueue(stringArg(request, 'queue'));
      return { ok: 'resumed' };
    case 'rate_limit': {
      const rate = request.args.rate;
      target.setRateLimit(stringArg(request, 'taskName'), typeof rate === 'string' ? rate : null);
      return { ok: 'rate limit set' };
    }
  }
}
