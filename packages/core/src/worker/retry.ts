import type { PublishRequest } from '../app/producer.ts';
import type { Delivery } from '../broker/broker.ts';
import type { TaskEnvelope } from '../broker/message.ts';
import { Retry } from '../errors/signals.ts';
import { RETRY_DEFAULTS, type TaskOptions } from '../task/options.ts';

/** What to do after a task threw. */
export type RetryDecision =
  | { retry: true; countdown: number; eta: Date | undefined; error: unknown }
  | { retry: false; error: unknown; exhausted: boolean };

/**
 * Set on an error rebuilt from another thread, where `instanceof` against the task's error classes
 * cannot work: the thread evaluated `autoretryFor` itself and says whether it matched.
 */
export const AUTORETRY: unique symbol = Symbol.for('celeriac.autoretry');

function isAutoretry(options: TaskOptions, error: unknown): boolean {
  const marked = (error as { [AUTORETRY]?: boolean } | null)?.[AUTORETRY];
  if (marked !== undefined) return marked;
  const rule = options.autoretryFor;
  if (rule === undefined || !(error instanceof Error)) return false;
  if (typeof rule === 'function') return rule(error);
  return rule.some((ErrorClass) => error instanceof ErrorClass);
}

/**
 * Celery's backoff: `base * 2^retries` seconds capped at `retryBackoffMax`, then (with jitter) a
 * uniform draw in [0, delay] so a burst of failures does not retry in lockstep.
 */
export function backoffDelay(options: TaskOptions, retries: number, random: () => number = Math.random): number {
  const base = options.retryBackoff === true ? 1 : Number(options.retryBackoff);
  const max = options.retryBackoffMax ?? RETRY_DEFAULTS.retryBackoffMax;
  const delay = Math.min(max, base * 2 ** retries);
  const jitter = options.retryJitter ?? RETRY_DEFAULTS.retryJitter;
  return jitter ? random() * delay : delay;
}

/** Decide whether a thrown value retries the task (explicit `ctx.retry()` or `autoretryFor`). */
export function decideRetry(options: TaskOptions, thrown: unknown, retries: number): RetryDecision {
  const explicit = thrown instanceof Retry;
  const cause = explicit ? (thrown.error ?? thrown) : thrown;
  if (!explicit && !isAutoretry(options, thrown)) return { retry: false, error: thrown, exhausted: false };
  const maxRetries = options.maxRetries === undefined ? RETRY_DEFAULTS.maxRetries : options.maxRetries;
  if (maxRetries !== null && retries >= maxRetries) return { retry: false, error: cause, exhausted: true };
  if (explicit && (thrown.countdown !== undefined || thrown.eta !== undefined)) {
    return { retry: true, countdown: thrown.countdown ?? 0, eta: thrown.eta, error: cause };
  }
  const countdown =
    !explicit && options.retryBackoff !== undefined && options.retryBackoff !== false
      ? backoffDelay(options, retries)
      : (options.defaultRetryDelay ?? RETRY_DEFAULTS.defaultRetryDelay);
  return { retry: true, countdown, eta: undefined, error: cause };
}

/** The message that retries `envelope` at `at`: same id, queue, priority, arguments, canvas and user headers. */
export function retryRequest(envelope: TaskEnvelope, delivery: Delivery, retries: number, at: Date): PublishRequest {
  const { headers, body } = envelope;
  const {
    lang,
    task,
    id,
    root_id,
    parent_id,
    group,
    eta,
    expires,
    retries: _r,
    timelimit,
    origin,
    version,
    ...custom
  } = headers;
  return {
    name: task,
    args: body[0],
    call: {
      taskId: id,
      eta: at,
      queue: delivery.queue,
      priority: delivery.priority,
      kwargs: body[1],
      ...(expires === null ? {} : { expires }),
    },
    task: { timeLimit: timelimit[0] ?? undefined, softTimeLimit: timelimit[1] ?? undefined },
    retries,
    rootId: root_id,
    parentId: parent_id,
    groupId: group,
    embed: body[2],
    extraHeaders: custom,
  };
}
