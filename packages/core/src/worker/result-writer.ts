import { dedupKey } from '../app/internals.ts';
import { DEDUP_HEADER } from '../app/producer.ts';
import type { ResultBackend, ResultRecord } from '../backend/result-backend.ts';
import type { TaskEnvelope } from '../broker/message.ts';
import type { Json } from '../json/json.ts';
import { isReadyState, type TaskState } from '../result/states.ts';
import type { ExecutionContext } from './execution-context.ts';

/** How many log lines are kept per task. */
export const TASK_LOG_MAX_LINES = 1000;

const NO_ARGS: Json[] = [];

/** Everything a worker writes to the result backend about a task: states, results, logs, dedup marks. */
export class ResultWriter {
  readonly #backend: ResultBackend | undefined;
  readonly #hostname: string;
  /** Seconds. */
  readonly #ttl: number;

  constructor(backend: ResultBackend | undefined, hostname: string, resultExpires: number) {
    this.#backend = backend;
    this.#hostname = hostname;
    this.#ttl = resultExpires;
  }

  /** Store a running task's state (no-op without a backend). */
  store(
    ctx: ExecutionContext,
    state: TaskState,
    fields: Pick<ResultRecord, 'result' | 'error' | 'meta'>,
  ): Promise<void> | undefined {
    if (this.#backend === undefined) return undefined;
    const record: ResultRecord = {
      taskId: ctx.id,
      name: ctx.name,
      state,
      args: ctx.args as Json[],
      queue: ctx.queue,
      retries: ctx.retries,
      worker: this.#hostname,
      dateDone: isReadyState(state) ? new Date().toISOString() : null,
      parentId: ctx.parentId,
      rootId: ctx.rootId,
      groupId: ctx.groupId,
    };
    if (fields.result !== undefined) record.result = fields.result;
    if (fields.error !== undefined) record.error = fields.error;
    if (fields.meta !== undefined) record.meta = fields.meta;
    if (isReadyState(state) && ctx.headers[DEDUP_HEADER] === true) {
      // Free the id first: whoever sees the final state may send the same id again at once.
      const backend = this.#backend;
      return backend.delete(dedupKey(ctx.id)).then(() => backend.setResult(record, this.#ttl));
    }
    return this.#backend.setResult(record, this.#ttl);
  }

  /** Store the final state of a message that never ran (revoked, expired, unknown task). */
  async storeUnrun(
    envelope: TaskEnvelope,
    queue: string,
    state: TaskState,
    fields: Partial<ResultRecord>,
  ): Promise<void> {
    if (this.#backend === undefined) return;
    const { headers, body } = envelope;
    const record: ResultRecord = {
      taskId: headers.id,
      name: headers.task,
      state,
      args: Array.isArray(body[0]) ? body[0] : NO_ARGS,
      queue,
      retries: headers.retries,
      worker: this.#hostname,
      dateDone: new Date().toISOString(),
      ...fields,
    };
    await this.freeDedup(envelope);
    await this.#backend.setResult(record, this.#ttl);
  }

  /** Keep the lines the task logged since the last flush with its result. */
  async flushLogs(ctx: ExecutionContext): Promise<void> {
    const lines = ctx.takeLogLines();
    if (lines.length === 0 || this.#backend === undefined) return;
    await this.#backend.appendLog(ctx.id, lines, { maxLines: TASK_LOG_MAX_LINES, ttl: this.#ttl });
  }

  /** A caller-chosen id is free again once its task reached a final state. */
  async freeDedup(envelope: TaskEnvelope): Promise<void> {
    if (envelope.headers[DEDUP_HEADER] === true && this.#backend !== undefined) {
      await this.#backend.delete(dedupKey(envelope.headers.id));
    }
  }
}
