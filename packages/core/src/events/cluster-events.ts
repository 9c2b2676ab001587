import { EventEmitter } from 'eventemitter3';
import type { Broker, Subscription } from '../broker/broker.ts';
import { coerceError } from '../errors/coerce-error.ts';
import type { Json } from '../json/json.ts';
import type { CeleriacEventMap, ClusterEvent, WorkerEvent, WorkerOfflineEvent } from './event-map.ts';
import { EVENTS_CHANNEL } from './event-publisher.ts';

type Listener = (event: ClusterEvent) => void;

/**
 * `app.events`: an eventemitter3 emitter fed by the broker's event channel. It subscribes on the
 * first listener, so an app that never listens costs nothing. A throwing listener is logged,
 * never fatal to the others.
 */
export class ClusterEvents extends EventEmitter<CeleriacEventMap> {
  readonly #connect: () => Promise<Broker>;
  readonly #onError: (error: Error) => void;
  #subscription: Promise<Subscription> | undefined;
  /** Last online/heartbeat event per live worker. */
  readonly #alive = new Map<string, WorkerEvent>();
  #expiry: NodeJS.Timeout | undefined;

  constructor(connect: () => Promise<Broker>, onError: (error: Error) => void) {
    super();
    this.#connect = connect;
    this.#onError = onError;
  }

  /** Resolves once events from the cluster are flowing into this emitter. */
  ready(): Promise<void> {
    return this.#subscribe().then(() => undefined);
  }

  override on<T extends EventEmitter.EventNames<CeleriacEventMap>>(
    event: T,
    fn: EventEmitter.EventListener<CeleriacEventMap, T>,
    context?: unknown,
  ): this {
    void this.#subscribe().catch(() => undefined);
    return super.on(event, fn, context);
  }

  override addListener<T extends EventEmitter.EventNames<CeleriacEventMap>>(
    event: T,
    fn: EventEmitter.EventListener<CeleriacEventMap, T>,
    context?: unknown,
  ): this {
    return this.on(event, fn, context);
  }

  override once<T extends EventEmitter.EventNames<CeleriacEventMap>>(
    event: T,
    fn: EventEmitter.EventListener<CeleriacEventMap, T>,
    context?: unknown,
  ): this {
    void this.#subscribe().catch(() => undefined);
    return super.once(event, fn, context);
  }

  /** Stop receiving from the broker (listeners stay attached). */
  async close(): Promise<void> {
    clearInterval(this.#expiry);
    this.#expiry = undefined;
    const subscription = this.#subscription;
    this.#subscription = undefined;
    if (subscription !== undefined) await (await subscription.catch(() => undefined))?.close();
  }

  #subscribe(): Promise<Subscription> {
    if (this.#expiry === undefined) {
      this.#expiry = setInterval(() => this.#expireSilentWorkers(), 1000);
      this.#expiry.unref();
    }
    this.#subscription ??= this.#connect()
      .then((broker) => broker.subscribeBroadcast(EVENTS_CHANNEL, (message) => this.#dispatch(message)))
      .catch((error: unknown) => {
        this.#subscription = undefined;
        const coerced = coerceError(error);
        this.#onError(coerced);
        throw coerced;
      });
    return this.#subscription;
  }

  #dispatch(message: Json): void {
    const events = (message as { events?: unknown }).events;
    if (!Array.isArray(events)) return;
    for (const event of events as ClusterEvent[]) {
      if (event.type === 'worker-online' || event.type === 'worker-heartbeat') this.#alive.set(event.hostname, event);
      else if (event.type === 'worker-offline') this.#alive.delete(event.hostname);
      this.#safeEmit(event.type, event);
      this.#safeEmit('*', event);
    }
  }

  /** Report workers that stopped heart-beating (three intervals missed) as offline. */
  #expireSilentWorkers(): void {
    const now = Date.now();
    for (const [hostname, last] of this.#alive) {
      if (now - last.timestamp < last.freq * 3000) continue;
      this.#alive.delete(hostname);
      const event: WorkerOfflineEvent = { ...last, type: 'worker-offline', timestamp: now, active: 0, expired: true };
      this.#safeEmit('worker-offline', event);
      this.#safeEmit('*', event);
    }
  }

  #safeEmit(name: keyof CeleriacEventMap, event: ClusterEvent): void {
    // eventemitter3 stops at the first throwing listener; call each one so one bad listener cannot starve the rest.
    const listeners = this.listeners(name) as unknown as Listener[];
    for (const listener of listeners) {
      // Removes the listener only if it was added with once(); plain on() listeners stay.
      super.removeListener(name, listener as never, undefined, true);
      try {
        listener(event);
      } catch (error) {
        this.#onError(coerceError(error));
      }
    }
  }
}
