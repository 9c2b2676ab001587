import type { Logger } from 'pino';
import { DEDUP_HEADER, type PublishRequest } from '../app/producer.ts';
import type { ResultBackend } from '../backend/result-backend.ts';
import type { Broker } from '../broker/broker.ts';
import { decodeEnvelope, type TaskEnvelope } from '../broker/message.ts';
import type { RevokedSet } from '../control/revocations.ts';
import { coerceError, toRemoteError } from '../errors/coerce-error.ts';
import { Reject, Retry } from '../errors/signals.ts';
import { MaxRetriesExceededError, TaskRevokedError, UnknownTaskError, WorkerLostError } from '../errors/task-errors.ts';
import type { ClusterEvent } from '../events/event-map.ts';
import { assertJson, type Json } from '../json/json.ts';
import type { TaskState } from '../result/states.ts';
import type { TaskOptions } from '../task/options.ts';
import type { Task } from '../task/task.ts';
import { CanvasSteps } from './canvas-steps.ts';
import { ExecutionContext, type StateSink } from './execution-context.ts';
import type { GlobalRateLimiter } from './global-rate-limit.ts';
import type { TaskPool } from './pool.ts';
import { type RateLimiter, waitForRate } from './rate-limit.ts';
import { ResultWriter } from './result-writer.ts';
import { decideRetry, retryRequest } from './retry.ts';
import type { Run } from './run-state.ts';
import { runLimits, startTimeLimits } from './time-limit.ts';

/** What the executor needs from its worker. */
export interface ExecutorHost {
  readonly hostname: string;
  readonly logger: Logger;
  readonly broker: Broker;
  readonly backend: ResultBackend | undefined;
  /** Seconds. */
  readonly resultExpires: number;
  readonly queues: readonly string[];
  lookup(name: string): Task<never[], unknown> | undefined;
  /** Task options with app and worker defaults applied. */
  optionsFor(task: Task<never[], unknown>): TaskOptions;
  publish(requests: readonly PublishRequest[]): Promise<string[]>;
  emit(event: ClusterEvent): void;
  readonly pool: TaskPool;
  /** The handler of `run` is done: its slot may take the next task while the outcome is stored. */
  freeSlot(run: Run): void;
  /** Revoked ids this worker knows of. */
  readonly revoked: RevokedSet;
  /** Per-worker rate limiting; `rateIntervalMs(name, options)` is the spacing in ms, if limited. */
  readonly rateLimiter: RateLimiter;
  rateIntervalMs(name: string, options: TaskOptions): number | undefined;
  /** Cluster-wide rate limiting (undefined without a backend). */
  readonly globalRateLimiter: GlobalRateLimiter | undefined;
}

/** Runs deliveries: decode, check, run the handler in its context, store the outcome, settle. */
export class Executor implements StateSink {
  readonly #host: ExecutorHost;

  readonly #canvas: CanvasSteps;
  readonly #results: ResultWriter;
  /** Consecutive executions that failed to store or settle (a backend or broker outage). */
  #settleFailures = 0;

  constructor(host: ExecutorHost) {
    this.#host = host;
    this.#canvas = new CanvasSteps(host);
    this.#results = new ResultWriter(host.backend, host.hostname, host.resultExpires);
  }

  /** Execute one delivery. Never rejects: every failure ends in a state, a dead letter or a log line. */
  async execute(run: Run): Promise<void> {
    try {
      await this.#execute(run);
      this.#settleFailures = 0;
    } catch (error) {
      // Only the broker or backend failing lands here (the task's own errors are handled below).
      // Requeue after a growing pause, so a backend that keeps failing does not spin messages round.
      const pause = Math.min(30_000, 500 * 2 ** this.#settleFailures++);
      this.#host.logger.error(
        { err: coerceError(error), queue: run.delivery.queue, retryInMs: pause },
        'worker could not store or settle a task; it goes back to its queue',
      );
      if (!run.settled) {
        run.settled = true;
        await new Promise((resolve) => setTimeout(resolve, pause));
        await this.#host.broker.nack(run.delivery, { requeue: true }).catch(() => undefined);
      }
    } finally {
      run.ctx?.finish();
      this.#host.freeSlot(run);
    }
  }

  async #execute(run: Run): Promise<void> {
    const host = this.#host;
    const { delivery } = run;
    let envelope: TaskEnvelope;
    try {
      // An in-process broker hands over the producer's own decoded copy; anything else is parsed and checked.
      envelope = delivery.payload !== undefined ? (delivery.payload as TaskEnvelope) : decodeEnvelope(delivery.body);
    } catch (error) {
      await this.#reject(run, undefined, `undecodable message: ${coerceError(error).message}`);
      return;
    }
    const { headers } = envelope;
    const task = host.lookup(headers.task);
    if (task === undefined) {
      const reason = `task "${headers.task}" is not registered on worker ${host.hostname} (queue ${delivery.queue}); register it with app.task() in the module the worker loads, or route it to a queue whose workers have it`;
      await this.#reject(run, envelope, reason, new UnknownTaskError(headers.task, reason));
      await this.#results.freeDedup(envelope);
      return;
    }
    const options = host.optionsFor(task);
    const now = Date.now();
    if (headers.expires !== null && Date.parse(headers.expires) <= now) {
      await this.#expire(run, envelope);
      return;
    }
    if (host.revoked.has(headers.id, now)) {
      await this.#revoke(run, envelope, 'revoked before it started', false);
      return;
    }
    const ctx = new ExecutionContext(envelope, delivery, host.hostname, host.logger, this);
    run.ctx = ctx;
    host.emit({
      type: 'task-received',
      taskId: ctx.id,
      name: ctx.name,
      hostname: host.hostname,
      timestamp: now,
      queue: ctx.queue,
      retries: ctx.retries,
      redelivered: ctx.redelivered,
    });
    if (options.acksLate === false) await this.#settle(run);
    const rateWait = waitForRate(host, ctx.name, options);
    if (rateWait !== undefined) await rateWait;
    run.startedAt = Date.now();
    if (options.trackStarted !== false && options.ignoreResult !== true) {
      // Not awaited: the final write follows on the same backend connection, and a task need not wait
      // a round trip to start. A failure is only logged: STARTED is informative, the outcome is not.
      this.#results.store(ctx, 'STARTED', {})?.catch((error: unknown) => {
        host.logger.warn({ err: coerceError(error), taskId: ctx.id }, 'could not store the STARTED state');
      });
    }
    host.emit({
      type: 'task-started',
      taskId: ctx.id,
      name: ctx.name,
      hostname: host.hostname,
      timestamp: run.startedAt,
      queue: ctx.queue,
      retries: ctx.retries,
    });

    let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
    const clearLimits = startTimeLimits(ctx, runLimits(options, headers.timelimit));
    try {
      outcome = { ok: true, value: await ctx.race(host.pool.run(task, ctx, options)) };
    } catch (error) {
      outcome = { ok: false, error };
    } finally {
      clearLimits?.();
      // From here the executor owns the state: a handler left running past its hard limit cannot change it.
      ctx.finish();
      host.freeSlot(run);
    }
    await this.#results.flushLogs(ctx);
    if (run.abandoned) return;
    if (outcome.ok) await this.#succeed(run, ctx, envelope, options, outcome.value);
    else if (outcome.error instanceof TaskRevokedError) await this.#revoke(run, envelope, outcome.error.message, true);
    else await this.#fail(run, ctx, envelope, options, outcome.error);
  }

  /** Wait for this task type's turn under `rateLimit` (this worker) and `globalRateLimit` (the cluster). */
  async #succeed(
    run: Run,
    ctx: ExecutionContext,
    envelope: TaskEnvelope,
    options: TaskOptions,
    value: unknown,
  ): Promise<void> {
    const result = (value === undefined ? null : value) as Json;
    try {
      assertJson(result, `${ctx.name} result`);
    } catch (error) {
      await this.#fail(run, ctx, envelope, { ...options, autoretryFor: undefined }, error);
      return;
    }
    const runtime = Date.now() - run.startedAt;
    // A chord reads its members' results, so those are stored whatever ignoreResult says.
    if (options.ignoreResult !== true || envelope.body[2].chord !== null)
      await this.#results.store(ctx, 'SUCCESS', { result });
    this.#host.emit({
      type: 'task-succeeded',
      taskId: ctx.id,
      name: ctx.name,
      hostname: this.#host.hostname,
      timestamp: Date.now(),
      result,
      runtime,
    });
    const embed = envelope.body[2];
    if (CanvasSteps.pending(embed)) await this.#canvas.succeeded(ctx, embed, result);
    await this.#finish(run, envelope);
  }

  async #fail(
    run: Run,
    ctx: ExecutionContext,
    envelope: TaskEnvelope,
    options: TaskOptions,
    thrown: unknown,
  ): Promise<void> {
    const host = this.#host;
    if (thrown instanceof WorkerLostError && options.rejectOnWorkerLost === true) {
      await this.#reject(run, envelope, `worker lost: ${thrown.message}`, undefined, true);
      return;
    }
    if (thrown instanceof Reject) {
      await this.#reject(run, envelope, `rejected by the task: ${thrown.message}`, undefined, thrown.requeue);
      return;
    }
    const decision = decideRetry(options, thrown, ctx.retries);
    if (decision.retry) {
      await this.#retry(run, ctx, envelope, decision.countdown, decision.eta, decision.error);
      return;
    }
    let error = coerceError(decision.error);
    if (decision.exhausted && decision.error instanceof Retry) {
      error = new MaxRetriesExceededError(ctx.name, ctx.retries);
    }
    const remote = toRemoteError(error);
    const runtime = Date.now() - run.startedAt;
    if (options.ignoreResult !== true) await this.#results.store(ctx, 'FAILURE', { error: remote });
    host.emit({
      type: 'task-failed',
      taskId: ctx.id,
      name: ctx.name,
      hostname: host.hostname,
      timestamp: Date.now(),
      error: remote,
      retries: ctx.retries,
      runtime,
    });
    host.logger.warn({ taskId: ctx.id, task: ctx.name, err: error }, 'task failed');
    const embed = envelope.body[2];
    if (CanvasSteps.pending(embed)) await this.#canvas.failed(ctx, embed, remote);
    await this.#finish(run, envelope);
  }

  async #retry(
    run: Run,
    ctx: ExecutionContext,
    envelope: TaskEnvelope,
    countdown: number,
    eta: Date | undefined,
    cause: unknown,
  ): Promise<void> {
    const host = this.#host;
    const retries = ctx.retries + 1;
    const at = eta ?? new Date(Date.now() + countdown * 1000);
    // The retry is a new message with the same task id; publish it before acking the original,
    // so a crash in between runs the task twice rather than never.
    await host.publish([retryRequest(envelope, run.delivery, retries, at)]);
    const remote = toRemoteError(cause);
    await this.#results.store(ctx, 'RETRY', { error: remote });
    host.emit({
      type: 'task-retried',
      taskId: ctx.id,
      name: ctx.name,
      hostname: host.hostname,
      timestamp: Date.now(),
      error: remote,
      retries,
      eta: at.toISOString(),
    });
    await this.#settle(run);
  }

  /** Revoked: stored REVOKED, announced, acknowledged (not dead-lettered: someone asked for it). */
  async #revoke(run: Run, envelope: TaskEnvelope, reason: string, terminated: boolean): Promise<void> {
    const { headers } = envelope;
    const host = this.#host;
    await this.#results.storeUnrun(envelope, run.delivery.queue, 'REVOKED', {
      error: { name: 'TaskRevokedError', message: `Task ${headers.id} was ${reason}.` },
    });
    host.emit({
      type: 'task-revoked',
      taskId: headers.id,
      name: headers.task,
      hostname: host.hostname,
      timestamp: Date.now(),
      reason,
      terminated,
      expired: false,
    });
    await this.#finish(run, envelope);
  }

  async #expire(run: Run, envelope: TaskEnvelope): Promise<void> {
    const { headers } = envelope;
    await this.#results.storeUnrun(envelope, run.delivery.queue, 'REVOKED', {
      error: { name: 'TaskRevokedError', message: `expired at ${headers.expires}` },
    });
    this.#host.emit({
      type: 'task-revoked',
      taskId: headers.id,
      name: headers.task,
      hostname: this.#host.hostname,
      timestamp: Date.now(),
      reason: `expired at ${headers.expires}`,
      terminated: false,
      expired: true,
    });
    await this.#reject(
      run,
      envelope,
      `expired at ${headers.expires} before a worker started it`,
      undefined,
      false,
      false,
    );
    await this.#results.freeDedup(envelope);
  }

  /** Dead-letter (or requeue) a message with the reason; store FAILURE when there is an error to report. */
  async #reject(
    run: Run,
    envelope: TaskEnvelope | undefined,
    reason: string,
    error?: Error,
    requeue = false,
    announce = true,
  ): Promise<void> {
    const host = this.#host;
    host.logger.error(
      { queue: run.delivery.queue, messageId: run.delivery.id, reason },
      'message set aside in the dead-letter queue',
    );
    if (envelope !== undefined && error !== undefined) {
      await this.#results.storeUnrun(envelope, run.delivery.queue, 'FAILURE', { error: toRemoteError(error) });
    }
    if (announce) {
      host.emit({
        type: 'task-rejected',
        taskId: envelope?.headers.id ?? run.delivery.id,
        name: envelope?.headers.task ?? 'unknown',
        hostname: host.hostname,
        timestamp: Date.now(),
        queue: run.delivery.queue,
        reason,
      });
    }
    if (run.settled) return;
    run.settled = true;
    if (requeue) await host.broker.nack(run.delivery, { requeue: true });
    else await host.broker.deadLetter(run.delivery, reason);
  }

  /** Acknowledge; free a caller-chosen id if no final state was stored (ignoreResult), which frees it otherwise. */
  async #finish(run: Run, envelope: TaskEnvelope): Promise<void> {
    await this.#settle(run);
    if (envelope.headers[DEDUP_HEADER] === true) await this.#results.freeDedup(envelope);
  }

  /** Acknowledge once; a no-op if already settled (early ack, or requeued at shutdown). */
  #settle(run: Run): Promise<void> | undefined {
    if (run.settled) return undefined;
    run.settled = true;
    return this.#host.broker.ack(run.delivery);
  }

  /** StateSink: `ctx.updateState()` and `ctx.progress()`. */
  async updateState(ctx: ExecutionContext, state: string, meta: Json): Promise<void> {
    assertJson(meta, `${ctx.name} state meta`);
    await this.#results.store(ctx, state as TaskState, { meta });
    this.#host.emit({
      type: 'task-progress',
      taskId: ctx.id,
      name: ctx.name,
      hostname: this.#host.hostname,
      timestamp: Date.now(),
      state,
      meta,
    });
  }
}
