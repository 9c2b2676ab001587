import { loadavg } from 'node:os';
import { EventEmitter } from 'eventemitter3';
import type { Logger } from 'pino';
import type { ResultBackend } from '../backend/result-backend.ts';
import type { Broker, Delivery, Subscription } from '../broker/broker.ts';
import { loadClusterState } from '../control/cluster-state.ts';
import { CONTROL_CHANNEL, type ControlReply, type ControlRequest, REPLY_CHANNEL } from '../control/protocol.ts';
import { type Revocation, RevokedSet } from '../control/revocations.ts';
import { ConfigError } from '../errors/celeriac-error.ts';
import { coerceError } from '../errors/coerce-error.ts';
import { TaskRevokedError, WorkerShutdown } from '../errors/task-errors.ts';
import type { CeleriacEventMap, ClusterEvent, WorkerEvent } from '../events/event-map.ts';
import type { EventPublisher } from '../events/event-publisher.ts';
import type { Json } from '../json/json.ts';
import type { TaskOptions } from '../task/options.ts';
import { type ControlTarget, handleControl } from './control-handler.ts';
import { Executor, type ExecutorHost } from './executor.ts';
import { GlobalRateLimiter } from './global-rate-limit.ts';
import { summarize } from './inspection.ts';
import { renewLeases } from './lease-renewal.ts';
import { emitLocally } from './local-events.ts';
import { type CloseOptions, checkWorkerOptions, type StartOptions, type WorkerOptions } from './options.ts';
import { createPool, type TaskPool } from './pool.ts';
import { RateLimiter, RateOverrides } from './rate-limit.ts';
import type { Run } from './run-state.ts';
import { handleShutdownSignals } from './signals.ts';
import { isPoolThread } from './thread-protocol.ts';

/** What a worker needs from its app, besides what the executor needs. */
export interface WorkerHost extends Pick<ExecutorHost, 'resultExpires' | 'lookup' | 'optionsFor' | 'publish'> {
  readonly logger: Logger;
  /** Names of the registered tasks (read when asked: tasks may be registered after the worker). */
  taskNames(): string[];
  connect(): Promise<{ broker: Broker; backend: ResultBackend | undefined; events: EventPublisher }>;
  /** Called once the worker has closed. */
  onClosed(worker: Worker): void;
  /** Close the app (after a signal-driven shutdown). */
  closeApp(): Promise<void>;
}

/**
 * Consumes queues and runs tasks with bounded concurrency. Holds at most
 * `concurrency × prefetchMultiplier` deliveries; renews their leases on brokers that lease.
 * Also an emitter of its own task and worker events, in process (as BullMQ's `Worker` is): the
 * same events `app.events` receives from the whole cluster, without a broker round trip, and
 * whether or not `sendEvents` broadcasts them.
 */
export class Worker extends EventEmitter<CeleriacEventMap> implements ControlTarget {
  readonly hostname: string;
  readonly queues: readonly string[];
  readonly concurrency: number;
  readonly prefetch: number;
  readonly #host: WorkerHost;
  readonly #options: WorkerOptions;
  readonly #logger: Logger;
  #executor: Executor | undefined;
  readonly #pool: TaskPool;
  #broker: Broker | undefined;
  #events: EventPublisher | undefined;
  #subscription: Subscription | undefined;
  readonly #held = new Map<Delivery, Run>();
  readonly #waiting: Run[] = [];
  #active = 0;
  #processed = 0;
  #state: 'new' | 'starting' | 'running' | 'closing' | 'closed' = 'new';
  #started: Promise<void> | undefined;
  #closed: Promise<void> | undefined;
  /** Ends a warm close's wait: the last task finished, or a force close came in. */
  #wake: (() => void) | undefined;
  #forced = false;
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #optionsCache = new Map<object, TaskOptions>();
  readonly #revoked = new RevokedSet();
  readonly #rateLimiter = new RateLimiter();
  readonly #rateOverrides = new RateOverrides();
  readonly #paused = new Set<string>();
  #control: Subscription | undefined;
  #onlineAt = 0;
  #removeSignalHandlers: (() => void) | undefined;

  constructor(host: WorkerHost, options: WorkerOptions & { hostname: string; queues: string[] }) {
    super();
    const { concurrency, prefetch } = checkWorkerOptions(options);
    this.#host = host;
    this.#options = options;
    this.hostname = options.hostname;
    this.queues = options.queues;
    this.concurrency = concurrency;
    this.prefetch = prefetch;
    this.#logger = host.logger.child({ worker: this.hostname });
    this.#pool = createPool(options, concurrency, this.#logger, this.hostname);
  }

  /** Tasks running now. */
  get active(): number {
    return this.#active;
  }

  /** Tasks finished since start. */
  get processed(): number {
    return this.#processed;
  }

  /** Resolves once the worker is consuming (it does not wait for the worker to stop). */
  start(options: StartOptions = {}): Promise<void> {
    if (this.#state === 'closing' || this.#state === 'closed') {
      return Promise.reject(new ConfigError(`Worker ${this.hostname} was closed; create a new one with app.worker().`));
    }
    if (isPoolThread()) {
      return Promise.reject(
        new ConfigError(
          'A worker cannot start inside a threads-pool thread: the task module must only define tasks; start workers from another module.',
        ),
      );
    }
    if (options.handleSignals === true && this.#removeSignalHandlers === undefined) {
      this.#removeSignalHandlers = handleShutdownSignals(this, {
        timeout: options.shutdownTimeout ?? 30_000,
        logger: this.#logger,
        onClosed: () => this.#host.closeApp(),
      });
    }
    this.#started ??= this.#start();
    return this.#started;
  }

  async #start(): Promise<void> {
    this.#state = 'starting';
    const { broker, backend, events } = await this.#host.connect();
    this.#broker = broker;
    this.#events = this.#options.sendEvents === false ? undefined : events;
    const host = this.#host;
    this.#executor = new Executor({
      hostname: this.hostname,
      logger: this.#logger,
      broker,
      backend,
      resultExpires: host.resultExpires,
      queues: this.queues,
      lookup: (name) => host.lookup(name),
      optionsFor: (task) => {
        // Merged once per task type: the defaults do not change while the worker runs.
        let options = this.#optionsCache.get(task);
        if (options === undefined) {
          options = host.optionsFor(task);
          this.#optionsCache.set(task, options);
        }
        return options;
      },
      publish: (requests) => host.publish(requests),
      emit: (event) => this.#emit(event),
      pool: this.#pool,
      freeSlot: (run) => this.#freeSlot(run),
      revoked: this.#revoked,
      rateLimiter: this.#rateLimiter,
      rateIntervalMs: (name, options) => this.#rateOverrides.intervalMs(name, options),
      globalRateLimiter: backend === undefined ? undefined : new GlobalRateLimiter(backend),
    });
    await this.#syncClusterState(broker, backend);
    await this.#subscribe();
    this.#state = 'running';
    this.#onlineAt = Date.now();
    this.#startTimers(broker);
    this.#emitWorker('worker-online');
    this.#logger.info({ queues: this.queues, concurrency: this.concurrency }, 'worker online');
  }

  /** Listen for control, and learn what the cluster decided before this worker joined. */
  async #syncClusterState(broker: Broker, backend: ResultBackend | undefined): Promise<void> {
    this.#control = await broker.subscribeBroadcast(CONTROL_CHANNEL, (message) => this.#onControl(message));
    if (backend === undefined) return;
    const { revocations, paused } = await loadClusterState(backend, this.queues);
    for (const revocation of revocations) this.#revoked.add(revocation);
    for (const queue of paused) this.#paused.add(queue);
  }

  /** (Re)start consuming the queues that are not paused. */
  async #subscribe(): Promise<void> {
    const previous = this.#subscription;
    this.#subscription = undefined;
    await previous?.close();
    const queues = this.queues.filter((queue) => !this.#paused.has(queue));
    if (queues.length === 0 || this.#broker === undefined) return;
    this.#subscription = await this.#broker.consume({ queues, prefetch: this.prefetch }, (delivery) =>
      this.#receive(delivery),
    );
  }

  #onControl(message: Json): void {
    const request = message as unknown as ControlRequest;
    if (request?.type !== 'control-request' || this.#state !== 'running') return;
    handleControl(this, request).then(
      (result) => {
        if (!request.reply) return;
        const reply: ControlReply = { type: 'control-reply', requestId: request.id, hostname: this.hostname, result };
        return this.#broker?.broadcast(REPLY_CHANNEL, reply as unknown as Json);
      },
      (error: unknown) =>
        this.#logger.warn({ err: coerceError(error), command: request.command }, 'control request failed'),
    );
  }

  // ControlTarget: what `app.control` can ask of this worker.

  activeTasks(): Json[] {
    return [...this.#held.values()].filter((run) => run.ctx !== undefined).map((run) => summarize(run, true));
  }

  reservedTasks(): Json[] {
    return this.#waiting.map((run) => summarize(run, false));
  }

  stats(): Json {
    const { timestamp: _, ...state } = this.#describe();
    return {
      ...state,
      pool: this.#options.pool ?? 'async',
      prefetch: this.prefetch,
      paused: [...this.#paused],
      reserved: this.#waiting.length,
      uptime: (Date.now() - this.#onlineAt) / 1000,
      loadavg: loadavg(),
      rss: process.memoryUsage.rss(),
    };
  }

  registered(): string[] {
    return this.#host.taskNames();
  }

  revoke(revocation: Revocation): void {
    this.#revoked.add(revocation);
    if (!revocation.terminate) return;
    for (const run of this.#held.values()) {
      if (run.ctx?.id === revocation.taskId)
        run.ctx.terminate(new TaskRevokedError(revocation.taskId, 'revoked and terminated'));
    }
  }

  async pauseQueue(queue: string): Promise<void> {
    if (!this.queues.includes(queue) || this.#paused.has(queue)) return;
    this.#paused.add(queue);
    await this.#subscribe();
  }

  async resumeQueue(queue: string): Promise<void> {
    if (!this.#paused.delete(queue)) return;
    await this.#subscribe();
  }

  setRateLimit(taskName: string, rate: string | null): void {
    this.#rateOverrides.set(taskName, rate);
  }

  #startTimers(broker: Broker): void {
    const freq = this.#options.heartbeatInterval ?? 2;
    // Left referenced on purpose: a started worker keeps the process alive until close(), as a Celery worker does.
    const heartbeat = setInterval(() => this.#emitWorker('worker-heartbeat'), freq * 1000);
    this.#timers.push(heartbeat);
    const renew = renewLeases(broker, () => this.#held.keys(), this.#logger);
    if (renew !== undefined) this.#timers.push(renew);
  }

  #receive(delivery: Delivery): void {
    const run: Run = { delivery, ctx: undefined, startedAt: 0, settled: false, abandoned: false, slotFreed: false };
    if (this.#state === 'closing' || this.#state === 'closed') {
      // Arrived while closing: give it back untouched.
      run.settled = true;
      this.#broker?.nack(delivery, { requeue: true }).catch(() => undefined);
      return;
    }
    this.#held.set(delivery, run);
    if (this.#active < this.concurrency) this.#run(run);
    else this.#waiting.push(run);
  }

  #run(run: Run): void {
    this.#active++;
    void this.#executor!.execute(run).then(() => this.#done(run));
  }

  /** A handler finished: the next prefetched task starts while this one's outcome is stored and acked. */
  #freeSlot(run: Run): void {
    if (run.slotFreed) return;
    run.slotFreed = true;
    this.#active--;
    const next = this.#state === 'running' ? this.#waiting.shift() : undefined;
    if (next !== undefined) this.#run(next);
  }

  #done(run: Run): void {
    this.#freeSlot(run);
    this.#processed++;
    this.#held.delete(run.delivery);
    if (this.#held.size === 0) this.#wake?.();
  }

  /**
   * Stop the worker. Warm (default): stop taking tasks, wait up to `timeout` ms for running ones,
   * then requeue what still runs (acksLate). `force: true`: abort and requeue at once.
   */
  close(options: CloseOptions = {}): Promise<void> {
    if (this.#state === 'new') {
      this.#state = 'closed';
      this.#host.onClosed(this);
      return Promise.resolve();
    }
    if (options.force === true) {
      // Also cuts short a warm close already waiting.
      this.#forced = true;
      this.#wake?.();
    }
    this.#closed ??= this.#close(options);
    return this.#closed;
  }

  async #close(options: CloseOptions): Promise<void> {
    await this.#started?.catch(() => undefined);
    this.#state = 'closing';
    await Promise.all([this.#subscription?.close(), this.#control?.close()]);
    for (const timer of this.#timers) clearInterval(timer);
    // Prefetched but not started: back to the queue, untouched.
    const waiting = this.#waiting.splice(0);
    for (const run of waiting) {
      run.settled = true;
      this.#held.delete(run.delivery);
    }
    await Promise.all(waiting.map((run) => this.#broker?.nack(run.delivery, { requeue: true })));
    // Wait for running handlers and for finished ones still storing their outcome and acking.
    if (this.#held.size > 0 && !this.#forced) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        timer = setTimeout(resolve, options.timeout ?? 30_000);
      });
      clearTimeout(timer);
    }
    if (this.#active > 0) {
      this.#logger.warn(
        { running: this.#active },
        'worker closing with tasks still running: aborting them and requeueing late-acked ones',
      );
      await this.#forceStop();
    }
    await this.#pool.close();
    this.#emitWorker('worker-offline');
    await this.#events?.flush();
    this.#state = 'closed';
    this.#removeSignalHandlers?.();
    this.#host.onClosed(this);
    this.#logger.info({ processed: this.#processed }, 'worker offline');
  }

  /** Cold stop: abort every running task and requeue the ones not yet acknowledged. */
  async #forceStop(): Promise<void> {
    const requeue: Promise<void>[] = [];
    for (const run of this.#held.values()) {
      // A finished handler's outcome is being stored and acked: requeueing it would run it twice.
      if (run.slotFreed) continue;
      run.abandoned = true;
      run.ctx?.abort(new WorkerShutdown());
      run.ctx?.finish();
      if (!run.settled) {
        run.settled = true;
        requeue.push(this.#broker!.nack(run.delivery, { requeue: true }));
      }
    }
    this.#held.clear();
    await Promise.all(requeue).catch((error: unknown) => {
      this.#logger.error(
        { err: coerceError(error) },
        'could not requeue running tasks at shutdown; the broker will redeliver them',
      );
    });
  }

  #emit(event: ClusterEvent): void {
    this.#events?.send(event);
    emitLocally(this, event, this.#logger);
  }

  #emitWorker(type: 'worker-online' | 'worker-heartbeat' | 'worker-offline'): void {
    this.#emit({ type, ...this.#describe() });
  }

  /** What this worker says of itself in worker events and `inspect().stats()`. */
  #describe(): WorkerEvent {
    return {
      hostname: this.hostname,
      timestamp: Date.now(),
      pid: process.pid,
      queues: [...this.queues],
      concurrency: this.concurrency,
      active: this.#active,
      processed: this.#processed,
      freq: this.#options.heartbeatInterval ?? 2,
    };
  }
}
