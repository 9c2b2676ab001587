import { randomUUID } from 'node:crypto';
import type { ResultBackend } from '../backend/result-backend.ts';
import type { Broker, DeadLetter, Subscription } from '../broker/broker.ts';
import { coerceError } from '../errors/coerce-error.ts';
import type { Json } from '../json/json.ts';
import { isReadyState } from '../result/states.ts';
import {
  CONTROL_CHANNEL,
  type ControlCommand,
  type ControlReply,
  type ControlRequest,
  pausedQueueKey,
  REPLY_CHANNEL,
  REVOKES_LOG_KEY,
} from './protocol.ts';
import { formatRevocation } from './revocations.ts';

/** What control needs from its app. */
export interface ControlHost {
  broker(): Promise<Broker>;
  /** The backend, or undefined when results are disabled. */
  optionalBackend(): Promise<ResultBackend | undefined>;
  readonly logger: { warn(obj: object, msg: string): void };
}

/** Options of a gathering call: wait `timeout` ms (default 1000), or stop after `limit` replies. */
export interface GatherOptions {
  timeout?: number;
  limit?: number;
}

/** Replies keyed by worker hostname, as Celery's `inspect` returns them. */
export type Replies<T> = Record<string, T>;

/** One task a worker runs or holds, as `inspect().active()` / `reserved()` list it. */
export interface TaskSummary {
  id: string;
  name: string;
  args: Json[];
  queue: string;
  retries: number;
  /** Epoch ms it started (active only). */
  startedAt?: number;
}

/** How long revokes are remembered, seconds (Celery keeps them three hours). */
export const REVOKE_EXPIRES = 10_800;

/** Remote control of the cluster's workers (Celery's `app.control`). */
export class Control {
  readonly #host: ControlHost;
  readonly #pending = new Map<string, (reply: ControlReply) => void>();
  #replies: Promise<Subscription> | undefined;

  constructor(host: ControlHost) {
    this.#host = host;
  }

  /** Every live worker answers `{ ok: 'pong' }`. */
  ping(options?: GatherOptions): Promise<Replies<{ ok: string }>> {
    return this.#gather<{ ok: string }>('ping', {}, options);
  }

  /** Ask every worker what it runs, holds, knows. */
  inspect(options?: GatherOptions): Inspector {
    return {
      active: () => this.#gather<TaskSummary[]>('active', {}, options),
      reserved: () => this.#gather<TaskSummary[]>('reserved', {}, options),
      scheduled: () => this.#gather<TaskSummary[]>('scheduled', {}, options),
      stats: () => this.#gather<Record<string, Json>>('stats', {}, options),
      registered: () => this.#gather<string[]>('registered', {}, options),
    };
  }

  /**
   * Revoke a task: workers skip it if it has not started (also workers that start later, while the
   * revoke is fresh: three hours), and `terminate: true` aborts it through `ctx.signal` if it runs.
   */
  async revoke(taskId: string, options: { terminate?: boolean } = {}): Promise<void> {
    const terminate = options.terminate === true;
    const expiresAt = Date.now() + REVOKE_EXPIRES * 1000;
    const backend = await this.#host.optionalBackend();
    if (backend !== undefined) {
      await backend.appendLog(REVOKES_LOG_KEY, [formatRevocation({ taskId, expiresAt, terminate })], {
        maxLines: 10_000,
        ttl: REVOKE_EXPIRES,
      });
      const record = await backend.getResult(taskId);
      // Not started yet: answer get() now rather than when a worker reaches the message.
      if (record === null || record.state === 'PENDING') {
        await backend.setResult(
          {
            taskId,
            name: record?.name ?? null,
            state: 'REVOKED',
            retries: record?.retries ?? 0,
            dateDone: new Date().toISOString(),
            error: { name: 'TaskRevokedError', message: `Task ${taskId} was revoked.` },
          },
          REVOKE_EXPIRES,
        );
      } else if (isReadyState(record.state)) {
        return;
      }
    }
    await this.#send('revoke', { taskId, terminate, expiresAt }, false);
  }

  /** Workers stop taking from `queue` (its messages stay in the broker) until `resumeQueue`. */
  async pauseQueue(queue: string, options?: GatherOptions): Promise<Replies<Json>> {
    const backend = await this.#host.optionalBackend();
    // Remembered for workers that start later; a month is "until resumed" for any real deployment.
    await backend?.setIfAbsent(pausedQueueKey(queue), '1', 30 * 86_400);
    return this.#gather('pause_queue', { queue }, options);
  }

  async resumeQueue(queue: string, options?: GatherOptions): Promise<Replies<Json>> {
    const backend = await this.#host.optionalBackend();
    await backend?.delete(pausedQueueKey(queue));
    return this.#gather('resume_queue', { queue }, options);
  }

  /** Change a task type's per-worker rate limit on every live worker (`null` removes it). */
  rateLimit(taskName: string, rate: string | null, options?: GatherOptions): Promise<Replies<Json>> {
    return this.#gather('rate_limit', { taskName, rate }, options);
  }

  /** The queue's dead-letter store: list, requeue, delete. */
  deadLetters(queue: string): {
    list(options?: { limit?: number; offset?: number }): Promise<DeadLetter[]>;
    requeue(id: string): Promise<boolean>;
    delete(id: string): Promise<boolean>;
  } {
    const broker = () => this.#host.broker();
    return {
      list: async (options) => (await broker()).deadLetters.list(queue, options),
      requeue: async (id) => (await broker()).deadLetters.requeue(queue, id),
      delete: async (id) => (await broker()).deadLetters.delete(queue, id),
    };
  }

  /** Remove every waiting (ready and delayed) message of `queue`; resolves to how many. */
  async purge(queue: string): Promise<number> {
    return (await this.#host.broker()).purge(queue);
  }

  /** Stop listening for replies. */
  async close(): Promise<void> {
    const replies = this.#replies;
    this.#replies = undefined;
    if (replies !== undefined) await (await replies.catch(() => undefined))?.close();
  }

  async #gather<T = Json>(
    command: ControlCommand,
    args: Record<string, Json>,
    options: GatherOptions = {},
  ): Promise<Replies<T>> {
    await this.#listen();
    const id = randomUUID();
    const replies: Replies<Json> = {};
    let count = 0;
    let finish!: () => void;
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    this.#pending.set(id, (reply) => {
      replies[reply.hostname] = reply.result;
      if (++count === options.limit) finish();
    });
    const timer = setTimeout(finish, options.timeout ?? 1000);
    try {
      await this.#send(command, args, true, id);
      await done;
    } finally {
      clearTimeout(timer);
      this.#pending.delete(id);
    }
    return replies as Replies<T>;
  }

  async #send(
    command: ControlCommand,
    args: Record<string, Json>,
    reply: boolean,
    id: string = randomUUID(),
  ): Promise<void> {
    const request: ControlRequest = { type: 'control-request', id, command, args, reply };
    await (await this.#host.broker()).broadcast(CONTROL_CHANNEL, request as unknown as Json);
  }

  #listen(): Promise<Subscription> {
    this.#replies ??= this.#host.broker().then((broker) =>
      broker.subscribeBroadcast(REPLY_CHANNEL, (message) => {
        const reply = message as unknown as ControlReply;
        if (reply?.type !== 'control-reply') return;
        try {
          this.#pending.get(reply.requestId)?.(reply);
        } catch (error) {
          this.#host.logger.warn({ err: coerceError(error) }, 'could not handle a control reply');
        }
      }),
    );
    this.#replies.catch(() => {
      this.#replies = undefined;
    });
    return this.#replies;
  }
}

/** `app.control.inspect()`: each call gathers one kind of answer from every live worker. */
export interface Inspector {
  active(): Promise<Replies<TaskSummary[]>>;
  reserved(): Promise<Replies<TaskSummary[]>>;
  scheduled(): Promise<Replies<TaskSummary[]>>;
  stats(): Promise<Replies<Record<string, Json>>>;
  registered(): Promise<Replies<string[]>>;
}
