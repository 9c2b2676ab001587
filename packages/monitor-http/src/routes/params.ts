import { BadRequestError } from '../http/request.ts';

/** A non-negative integer query parameter, within `max`. */
export function intParam(query: URLSearchParams, name: string, fallback: number, max: number): number {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new BadRequestError(`"${name}" must be a non-negative integer.`);
  return Math.min(value, max);
}

/** A time query parameter: epoch milliseconds or an ISO-8601 date. */
export function timeParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  const value = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(value)) throw new BadRequestError(`"${name}" must be epoch milliseconds or an ISO-8601 date.`);
  return value;
}

/** A comma-separated (or repeated) list parameter. */
export function listParam(query: URLSearchParams, name: string): string[] {
  return query
    .getAll(name)
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter((value) => value !== '');
}

/** Reject after `ms` with a message naming `what`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Gather control replies for `inspectTimeout` ms, or until every worker known online answered. */
export function gatherOptions(ctx: { settings: { inspectTimeout: number }; workers: { onlineCount: number } }): {
  timeout: number;
  limit?: number;
} {
  const online = ctx.workers.onlineCount;
  return online > 0
    ? { timeout: ctx.settings.inspectTimeout, limit: online }
    : { timeout: ctx.settings.inspectTimeout };
}
