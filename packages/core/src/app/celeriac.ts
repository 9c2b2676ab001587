import { hostname as osHostname } from 'node:os';
import { type Logger, pino } from 'pino';
import type { ResultBackend } from '../backend/result-backend.ts';
import { Beat } from '../beat/beat.ts';
import type { BeatOptions } from '../beat/beat-options.ts';
import type { Broker } from '../broker/broker.ts';
import { Control } from '../control/control.ts';
import { ConfigError } from '../errors/celeriac-error.ts';
import { coerceError } from '../errors/coerce-error.ts';
import { ClusterEvents } from '../events/cluster-events.ts';
import { EventPublisher } from '../events/event-publisher.ts';
import { DEFAULT_MAX_PAYLOAD_BYTES, type JsonCompatible } from '../json/json.ts';
import { CELERY_DEFAULT_QUEUE } from '../protocol/celery-wire.ts';
import { AsyncResult } from '../result/async-result.ts';
import type { CallOptions } from '../task/call-options.ts';
import type { TaskContext } from '../task/context.ts';
import type { DefineTaskOptions, TaskOptions } from '../task/options.ts';
import { type BoundHandler, type StoredResult, Task } from '../task/task.ts';
import type { WorkerOptions } from '../worker/options.ts';
import { Worker } from '../worker/worker.ts';
import { type AppInternals, dedupKey } from './internals.ts';
import type { CeleriacOptions } from './options.ts';
import { MessageBuilder, type PublishRequest } from './producer.ts';
import { assertSupportedUrl, maskUrl, type Opened, openBackend, openBroker, urlCanBeBackend } from './resolve-url.ts';
import { Router } from './routing.ts';

/** Workers made in this process, by any app: each gets its own default hostname. */
let workersInProcess = 0;

/** Options of `app.task()` that make the handler receive the context first. */
type BindOptions = DefineTaskOptions & { bind: true };

/** Fails the `app.task()` call at compile time when the handler's arguments or result are not JSON. */
type JsonGuard<Args, R> = [Args] extends [JsonCompatible<Args>]
  ? [StoredResult<R>] extends [JsonCompatible<StoredResult<R>>]
    ? unknown
    : { 'a task result must be a JSON value (no Date, Map, class instance, function or BigInt)': never }
  : { 'task arguments must be JSON values (no Date, Map, class instance, function or BigInt)': never };

/**
 * A Celeriac application: the registry of tasks, the producer that sends them, and the factory of
 * workers, bound to one broker and one result backend.
 */
export class Celeriac implements AppInternals {
  readonly hostname: string;
  readonly logger: Logger;
  readonly resultExpires: number;
  readonly defaultQueue: string;
  readonly resultsEnabled: boolean;
  /** Events of every worker and producer of the cluster (subscribes on the first listener). */
  readonly events: ClusterEvents;
  /** Remote control of the cluster's workers: ping, inspect, revoke, pause/resume queues, rate limits. */
  readonly control: Control;
  readonly #options: CeleriacOptions;
  readonly #tasks = new Map<string, Task<never[], unknown>>();
  readonly #workers = new Set<Worker>();
  readonly #beats = new Set<Beat>();
  readonly #builder: MessageBuilder;
  readonly #brokerSource: Opened<Broker> | { instance: Promise<Broker>; release?: undefined };
  readonly #backendSource:
    | Opened<ResultBackend>
    | { instance: Promise<ResultBackend>; release?: undefined }
    | undefined;
  #connected: Promise<{ broker: Broker; backend: ResultBackend | undefined; events: EventPublisher }> | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: CeleriacOptions = {}) {
    this.#options = options;
    this.hostname = options.hostname ?? `${process.pid}@${osHostname()}`;
    this.logger = options.logger ?? pino({ name: 'celeriac', level: process.env.CELERIAC_LOG_LEVEL ?? 'info' });
    this.resultExpires = options.resultExpires ?? 86_400;
    this.defaultQueue = options.defaultQueue ?? (options.protocol === 'celery' ? CELERY_DEFAULT_QUEUE : 'default');
    this.#builder = new MessageBuilder({
      router: new Router(options.routes),
      defaultQueue: this.defaultQueue,
      hostname: this.hostname,
      maxPayloadBytes: options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES,
    });
    const broker = options.broker ?? 'memory://';
    // Validate URL schemes before opening anything, so a bad one throws here and leaves nothing pending.
    if (typeof broker === 'string') assertSupportedUrl(broker, 'broker');
    if (typeof options.backend === 'string') assertSupportedUrl(options.backend, 'backend');
    this.#brokerSource =
      typeof broker === 'string' ? openBroker(broker, options.protocol) : { instance: Promise.resolve(broker) };
    this.#backendSource = this.#openBackend(broker, options.backend);
    this.resultsEnabled = this.#backendSource !== undefined;
    // Opening starts at construction; keep an unobserved failure from crashing the process before first use.
    this.#brokerSource.instance.catch(() => undefined);
    this.#backendSource?.instance.catch(() => undefined);
    this.control = new Control({
      broker: () => this.broker(),
      optionalBackend: async () => (this.#backendSource === undefined ? undefined : (await this.connect()).backend),
      logger: this.logger,
    });
    this.events = new ClusterEvents(
      async () => (await this.connect()).broker,
      (error) => this.logger.error({ err: error }, 'event listener failed'),
    );
  }

  #openBackend(broker: string | Broker, backend: CeleriacOptions['backend']): CeleriacApp['backendSource'] {
    if (backend === null) return undefined;
    if (backend !== undefined) {
      return typeof backend === 'string'
        ? openBackend(backend, this.#options.protocol)
        : { instance: Promise.resolve(backend) };
    }
    if (typeof broker === 'string' && urlCanBeBackend(broker)) return openBackend(broker, this.#options.protocol);
    return undefined;
  }

  /** Connect the broker and the backend now (otherwise done on first use). */
  connect(): Promise<{ broker: Broker; backend: ResultBackend | undefined; events: EventPublisher }> {
    this.#connected ??= (async () => {
      const [broker, backend] = await Promise.all([this.#brokerSource.instance, this.#backendSource?.instance]);
      await Promise.all([broker.connect(), backend?.connect()]);
      const events = new EventPublisher(broker, (error) =>
        this.logger.error({ err: error }, 'could not broadcast events'),
      );
      return { broker, backend, events };
    })();
    this.#connected.catch(() => {
      this.#connected = undefined;
    });
    return this.#connected;
  }

  async broker(): Promise<Broker> {
    return (await this.connect()).broker;
  }

  async backend(): Promise<ResultBackend> {
    const backend = this.#backendSource === undefined ? undefined : (await this.connect()).backend;
    if (backend === undefined) {
      const broker = this.#options.broker;
      const which = typeof broker === 'string' ? maskUrl(broker) : 'this broker';
      throw new ConfigError(
        `Results are disabled: ${which} keeps no results. Pass \`backend: 'redis://…'\` (or 'memory://') to new Celeriac() to read task states and results.`,
      );
    }
    return backend;
  }

  revoke(taskId: string, options?: { terminate?: boolean }): Promise<void> {
    return this.control.revoke(taskId, options);
  }

  async eventPublisher(): Promise<EventPublisher> {
    return (await this.connect()).events;
  }

  /**
   * Register a task. The returned `Task` is typed by the handler: `delay()` takes its arguments and
   * `get()` resolves to its result. With `{ bind: true }` the handler receives the context first.
   */
  task<Args extends unknown[], R>(
    name: string,
    handler: ((ctx: TaskContext, ...args: Args) => R) & NoInfer<JsonGuard<Args, R>>,
    options: BindOptions,
  ): Task<Args, StoredResult<R>>;
  task<Args extends unknown[], R>(
    name: string,
    handler: ((...args: Args) => R) & NoInfer<JsonGuard<Args, R>>,
    options?: DefineTaskOptions & { bind?: false },
  ): Task<Args, StoredResult<R>>;
  task(
    name: string,
    handler: (...args: never[]) => unknown,
    options: DefineTaskOptions = {},
  ): Task<unknown[], unknown> {
    if (typeof name !== 'string' || name === '') throw new ConfigError('A task needs a non-empty name.');
    if (this.#tasks.has(name)) {
      throw new ConfigError(`A task named "${name}" is already registered on this app: task names must be unique.`);
    }
    const fn = handler as (...args: unknown[]) => unknown;
    const run: BoundHandler = options.bind === true ? (ctx, args) => fn(ctx, ...args) : (_ctx, args) => fn(...args);
    const task = new Task<unknown[], unknown>(this, name, run, options);
    this.#tasks.set(name, task as Task<never[], unknown>);
    return task;
  }

  /** The registered task of that name, if any. */
  getTask(name: string): Task<never[], unknown> | undefined {
    return this.#tasks.get(name);
  }

  /** Names of the registered tasks. */
  get taskNames(): string[] {
    return [...this.#tasks.keys()];
  }

  /** Send a task by name, for a producer that does not hold the task's code. */
  async sendTask<R = unknown>(
    name: string,
    args: readonly unknown[] = [],
    options: CallOptions = {},
  ): Promise<AsyncResult<R>> {
    const known = this.#tasks.get(name);
    const [id] = await this.publish([{ name, args, call: options, task: known?.options }]);
    return new AsyncResult<R>(this, id as string);
  }

  /** Rebuild a result handle from a task id (e.g. one sent to a browser). */
  result<R = unknown>(taskId: string): AsyncResult<R> {
    return new AsyncResult<R>(this, taskId);
  }

  async publish(requests: readonly PublishRequest[]): Promise<string[]> {
    // Signatures, canvas steps and callbacks carry only a name: the task's own options (its queue,
    // priority, limits) apply to them when this app knows the task, as in Celery.
    const prepared = requests.map((request) =>
      this.#builder.build(
        request.task === undefined ? { ...request, task: this.#tasks.get(request.name)?.options } : request,
      ),
    );
    const { broker, backend, events } = await this.connect();
    let toSend = prepared;
    if (backend !== undefined && prepared.some((p) => p.dedup)) {
      // A caller-chosen id still queued or running is not sent again.
      const fresh = await Promise.all(
        prepared.map((p) => (p.dedup ? backend.setIfAbsent(dedupKey(p.id), '1', this.resultExpires) : true)),
      );
      toSend = prepared.filter((_, i) => fresh[i]);
    }
    if (toSend.length === 0) return prepared.map((p) => p.id);
    // Announce before publishing, so task-sent precedes task-received even when the worker is in this process.
    const sentEvents = this.#options.sendSentEvents === false ? [] : toSend.map((p) => p.sentEvent);
    for (const event of sentEvents) events.send(event);
    try {
      await broker.publish(toSend.map((p) => p.message));
    } catch (error) {
      events.withdraw(sentEvents);
      if (backend !== undefined) {
        // Free the ids reserved above, or a corrected call with the same id would publish nothing.
        await Promise.all(toSend.filter((p) => p.dedup).map((p) => backend.delete(dedupKey(p.id)))).catch(
          () => undefined,
        );
      }
      throw error;
    }
    return prepared.map((p) => p.id);
  }

  /** Task options with the app's `taskDefaults` applied. */
  optionsFor(task: Task<never[], unknown>, workerDefaults: TaskOptions = {}): TaskOptions {
    return { ...workerDefaults, ...this.#options.taskDefaults, ...task.options };
  }

  /** Create a worker (call `start()` to begin consuming). */
  worker(options: WorkerOptions = {}): Worker {
    if (this.#closing !== undefined) throw new ConfigError('This app is closed; create a new Celeriac app.');
    const index = workersInProcess++;
    const defaults: TaskOptions = {};
    if (options.timeLimit !== undefined) defaults.timeLimit = options.timeLimit;
    if (options.softTimeLimit !== undefined) defaults.softTimeLimit = options.softTimeLimit;
    const worker = new Worker(
      {
        logger: this.logger,
        resultExpires: this.resultExpires,
        connect: () => this.connect(),
        lookup: (name) => this.#tasks.get(name),
        optionsFor: (task) => this.optionsFor(task, defaults),
        publish: (requests) => this.publish(requests),
        taskNames: () => this.taskNames,
        onClosed: (closed) => this.#workers.delete(closed),
        closeApp: () => this.close(),
      },
      {
        ...options,
        queues: options.queues ?? [this.defaultQueue],
        hostname: options.hostname ?? (index === 0 ? this.hostname : `${process.pid}-${index}@${osHostname()}`),
      },
    );
    this.#workers.add(worker);
    return worker;
  }

  /** Create a beat, the periodic task scheduler (call `start()`; `app.close()` closes it). */
  beat(options: BeatOptions): Beat {
    if (this.#closing !== undefined) throw new ConfigError('This app is closed; create a new Celeriac app.');
    const beat = new Beat(this, options, (closed) => this.#beats.delete(closed));
    this.#beats.add(beat);
    return beat;
  }

  /** Close beats and workers (warm, with `timeout` ms), then the connections this app opened from URLs. */
  close(options: { timeout?: number } = {}): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.all([...this.#beats].map((beat) => beat.close()));
      await Promise.all([...this.#workers].map((worker) => worker.close(options)));
      await Promise.all([this.events.close(), this.control.close()]);
      if (this.#connected !== undefined) await (await this.#connected.catch(() => undefined))?.events.flush();
      await Promise.all([this.#brokerSource.release?.(), this.#backendSource?.release?.()]).catch((error: unknown) => {
        this.logger.warn({ err: coerceError(error) }, 'error while closing connections');
      });
    })();
    return this.#closing;
  }
}

interface CeleriacApp {
  backendSource: Opened<ResultBackend> | { instance: Promise<ResultBackend>; release?: undefined } | undefined;
}
