import type { ConsumeOptions, OutgoingMessage } from './broker.ts';

/** Why `message` cannot be published, or `undefined` when it can: one check for every adapter. */
export function messageProblem(message: OutgoingMessage): string | undefined {
  const { id, queue, body, priority, eta } = message;
  if (typeof queue !== 'string' || queue.length === 0) {
    return `Cannot publish message ${String(id)}: its queue must be a non-empty string, got ${describe(queue)}.`;
  }
  const where = `Cannot publish message ${String(id)} to queue "${queue}"`;
  if (typeof id !== 'string' || id.length === 0)
    return `${where}: its id must be a non-empty string, got ${describe(id)}.`;
  if (typeof body !== 'string')
    return `${where}: its body must be a string (the encoded envelope), got ${typeof body}.`;
  if (!(typeof priority === 'number' && Number.isInteger(priority) && priority >= 0 && priority <= 9)) {
    return `${where}: priority ${describe(priority)} is not an integer from 0 to 9.`;
  }
  if (eta !== undefined && !(typeof eta === 'number' && Number.isFinite(eta))) {
    return `${where}: eta ${describe(eta)} is not a finite number of epoch milliseconds.`;
  }
  return undefined;
}

/** Why `options` cannot start a consumer, or `undefined` when they can. */
export function consumeProblem(options: ConsumeOptions): string | undefined {
  const { queues, prefetch } = options;
  if (!Array.isArray(queues) || queues.length === 0) return 'consume() needs at least one queue name.';
  for (const queue of queues) {
    if (typeof queue !== 'string' || queue.length === 0) {
      return `consume() got queue name ${describe(queue)}; queue names are non-empty strings.`;
    }
  }
  const whole = Number.isInteger(prefetch) || prefetch === Number.POSITIVE_INFINITY;
  if (!(typeof prefetch === 'number' && whole && prefetch >= 1)) {
    return `consume() got prefetch ${describe(prefetch)}; prefetch is an integer of at least 1.`;
  }
  return undefined;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  return typeof value;
}
