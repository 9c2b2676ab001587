import {
  type Broker,
  type BrokerCapabilities,
  BrokerConnectionError,
  ConfigError,
  type ConsumeOptions,
  consumeProblem,
  type DeadLetter,
  type DeadLetterStore,
  type Delivery,
  type Json,
  messageProblem,
  type OutgoingMessage,
  PublishError,
  type QueueStats,
  type Subscription,
} from '@celeriac/core';
import { Consumer } from './internal/consumer.ts';
import { MemoryDeadLetterStore } from './internal/dead-letter-store.ts';
import { DelayScheduler } from './internal/delay-scheduler.ts';
import { Fanout, type ListenerErrorReporter } from './internal/fanout.ts';
import { MemoryDelivery } from './internal/memory-delivery.ts';
import { QueueState } from './internal/queue-state.ts';

/** Options of {@link MemoryBroker}. */
export interface MemoryBrokerOptions {
  /**
   * The `memory://` URL this instance was created for. Informational: core passes it when it
   * creates the instance from a URL, and apps naming the same URL already share one instance.
   * @default undefined
   */
  readonly url?: string;
  /**
   * Dead letters kept per queue. Beyond it the oldest are dropped, and counted in
   * {@link MemoryBroker.droppedDeadLetters}, so a poison-message storm cannot exhaust memory.
   * @default 10_000
   */
  readonly maxDeadLettersPerQueue?: number;
  /**
   * Called when a consumer's `onDelivery` or a broadcast handler throws; the broker keeps
   * delivering to everyone else. `source` names the listener.
   * @default logs the error with `console.error`
   */
  readonly onListenerError?: (error: unknown, source: string) => void;
}

const RESOLVED: Promise<void> = Promise.resolve();
const CAPABILITIES: BrokerCapabilities = Object.freeze({
  delay: true,
  priorities: true,
  leases: false,
  crossProcess: false,
});

const reportToConsole: ListenerErrorReporter = (error, source) => {
  console.error(`[@celeriac/broker-memory] ${source} threw:`, error);
};

/**
 * An in-process broker: queues live in this process's memory, so producers and workers must
 * share the process. Priorities 0–9, delayed delivery (`eta`), prefetch, dead letters and
 * broadcast are native; there are no leases, because a crash of the process loses everything.
 *
 * Broadcast messages are passed to every handler by reference, not copied: handlers must treat
 * them as read-only.
 */
export class MemoryBroker implements Broker {
  readonly capabilities: BrokerCapabilities = CAPABILITIES;
  readonly deadLetters: DeadLetterStore;

  private readonly queues = new Map<string, QueueState>();
  // Copy-on-write, so a drain can iterate while onDelivery adds or closes subscriptions.
  private consumers: readonly Consumer[] = [];
  /** Index in `consumers` where the next drain pass starts: round-robin between subscriptions. */
  private cursor = 0;
  /** Every delivery handed out and not settled, with its consumer, in delivery order. */
  private readonly held = new Map<Delivery, Consumer>();
  private readonly delays: DelayScheduler<MemoryDelivery>;
  private readonly broadcasts: Fanout<Json>;
  private readonly maxDeadLettersPerQueue: number;
  private readonly reportError: ListenerErrorReporter;
  private dropped = 0;
  private closed = false;
  private drainScheduled = false;

  constructor(options: MemoryBrokerOptions = {}) {
    const max = options.maxDeadLettersPerQueue ?? 10_000;
    if (!(Number.isInteger(max) && max >= 0)) {
      throw new ConfigError(`maxDeadLettersPerQueue must be an integer ≥ 0, got ${String(max)}.`);
    }
    this.maxDeadLettersPerQueue = max;
    this.reportError = options.onListenerError ?? reportToConsole;
    this.delays = new DelayScheduler<MemoryDelivery>(this.promote, this.scheduleDrain);
    this.broadcasts = new Fanout<Json>((channel) => `broadcast handler on "${channel}"`, this.reportError);
    this.deadLetters = new MemoryDeadLetterStore(this.queues, this.scheduleDrain);
  }

  /** Dead letters dropped (oldest first) because a queue's store was full. */
  get droppedDeadLetters(): number {
    return this.dropped;
  }

  /** Nothing to open. After `close()`, reopens the broker with the messages it still holds. */
  connect(): Promise<void> {
    if (this.closed) {
      this.closed = false;
      this.delays.resume();
    }
    return RESOLVED;
  }

  close(): Promise<void> {
    if (this.closed) return RESOLVED;
    this.closed = true;
    for (const consumer of this.consumers) consumer.closed = true;
    this.consumers = [];
    const unsettled = [...this.held.keys()];
    this.held.clear();
    // Back to the front in reverse delivery order, so each level keeps its original order.
    for (let i = unsettled.length - 1; i >= 0; i--) {
      const delivery = unsettled[i]!;
      const queue = this.queues.get(delivery.queue)!;
      queue.unacked--;
      queue.ready.pushFront(redelivery(delivery), delivery.priority);
    }
    this.delays.stop();
    this.broadcasts.clear();
    return RESOLVED;
  }

  publish(messages: readonly OutgoingMessage[]): Promise<void> {
    if (this.closed) return Promise.reject(new PublishError('Cannot publish: the memory broker is closed.'));
    for (const message of messages) {
      const problem = messageProblem(message);
      if (problem !== undefined) return Promise.reject(new PublishError(problem));
    }
    const now = Date.now();
    let readied = false;
    for (const message of messages) {
      const queue = this.queue(message.queue);
      const delivery = new MemoryDelivery(
        message.id,
        message.queue,
        message.body,
        message.priority,
        false,
        message.payload,
      );
      const eta = message.eta;
      if (eta !== undefined && eta > now) {
        queue.delayed++;
        this.delays.schedule(delivery, eta);
      } else {
        queue.ready.pushBack(delivery, message.priority);
        readied = true;
      }
    }
    if (readied) this.scheduleDrain();
    return RESOLVED;
  }

  /**
   * Deliveries start in a later microtask; a caller that awaits this call directly holds the
   * `Subscription` before its first `onDelivery`. Settle with the very object `onDelivery` got.
   */
  consume(options: ConsumeOptions, onDelivery: (delivery: Delivery) => void): Promise<Subscription> {
    if (this.closed) return Promise.reject(new BrokerConnectionError('Cannot consume: the memory broker is closed.'));
    const problem = consumeProblem(options);
    if (problem !== undefined) return Promise.reject(new ConfigError(problem));
    const queues = [...new Set(options.queues)].map((name) => this.queue(name));
    const consumer = new Consumer(queues, options.prefetch, onDelivery);
    this.consumers = [...this.consumers, consumer];
    // One more microtask hop, so `await broker.consume()` resumes before the first onDelivery.
    RESOLVED.then(this.scheduleDrain);
    const close = (): Promise<void> => {
      if (consumer.closed) return RESOLVED;
      consumer.closed = true;
      this.consumers = this.consumers.filter((other) => other !== consumer);
      return RESOLVED;
    };
    return Promise.resolve({ close });
  }

  ack(delivery: Delivery): Promise<void> {
    this.release(delivery);
    return RESOLVED;
  }

  nack(delivery: Delivery, options?: { requeue?: boolean }): Promise<void> {
    const queue = this.release(delivery);
    if (queue === undefined) return RESOLVED;
    if (options?.requeue === false) {
      this.bury(queue, delivery, 'rejected');
    } else {
      queue.ready.pushFront(redelivery(delivery), delivery.priority);
      this.scheduleDrain();
    }
    return RESOLVED;
  }

  deadLetter(delivery: Delivery, reason: string): Promise<void> {
    const queue = this.release(delivery);
    if (queue !== undefined) this.bury(queue, delivery, reason);
    return RESOLVED;
  }

  /** A no-op: memory deliveries have no lease. */
  extendLease(_deliveries: readonly Delivery[]): Promise<void> {
    return RESOLVED;
  }

  purge(queueName: string): Promise<number> {
    const queue = this.queues.get(queueName);
    if (queue === undefined) return Promise.resolve(0);
    const delayed = this.delays.removeWhere((delivery) => delivery.queue === queueName);
    queue.delayed -= delayed;
    return Promise.resolve(queue.ready.clear() + delayed);
  }

  stats(queueName: string): Promise<QueueStats> {
    const queue = this.queues.get(queueName);
    if (queue === undefined) return Promise.resolve({ ready: 0, delayed: 0, unacked: 0, dead: 0 });
    return Promise.resolve({
      ready: queue.ready.length,
      delayed: queue.delayed,
      unacked: queue.unacked,
      dead: queue.dead.size,
    });
  }

  /** Delivers `message` itself (not a copy) to every handler of `channel`, in a microtask. */
  broadcast(channel: string, message: Json): Promise<void> {
    if (this.closed) return Promise.reject(new PublishError('Cannot broadcast: the memory broker is closed.'));
    this.broadcasts.emit(channel, message);
    return RESOLVED;
  }

  subscribeBroadcast(channel: string, handler: (message: Json) => void): Promise<Subscription> {
    if (this.closed) {
      return Promise.reject(new BrokerConnectionError('Cannot subscribe: the memory broker is closed.'));
    }
    const remove = this.broadcasts.add(channel, handler);
    return Promise.resolve({
      close: (): Promise<void> => {
        remove();
        return RESOLVED;
      },
    });
  }

  private queue(name: string): QueueState {
    let queue = this.queues.get(name);
    if (queue === undefined) {
      queue = new QueueState(name, this.maxDeadLettersPerQueue, () => this.dropped++);
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** Forget a held delivery; returns its queue, or `undefined` when it was not held (no-op). */
  private release(delivery: Delivery): QueueState | undefined {
    const consumer = this.held.get(delivery);
    if (consumer === undefined) return undefined;
    this.held.delete(delivery);
    const queue = this.queues.get(delivery.queue)!;
    queue.unacked--;
    // Only a consumer that was full can have ready messages waiting for it with no drain pending.
    if (consumer.inFlight-- === consumer.prefetch && !consumer.closed) this.scheduleDrain();
    return queue;
  }

  private bury(queue: QueueState, delivery: Delivery, reason: string): void {
    const letter: DeadLetter = Object.freeze({
      id: delivery.id,
      queue: delivery.queue,
      body: delivery.body,
      reason,
      deadLetteredAt: Date.now(),
    });
    queue.dead.add(letter, delivery.priority);
  }

  /** A delayed message is due: it joins the back of its priority level. */
  private readonly promote = (delivery: MemoryDelivery): void => {
    const queue = this.queues.get(delivery.queue)!;
    queue.delayed--;
    queue.ready.pushBack(delivery, delivery.priority);
  };

  private readonly scheduleDrain = (): void => {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    queueMicrotask(this.drain);
  };

  /**
   * Hand ready messages to consumers with room, one per consumer per pass, until a pass
   * delivers nothing. `drainScheduled` stays true meanwhile: whatever `onDelivery` does (settle,
   * publish, consume) happens in a pass that delivered, so another pass follows and sees it.
   */
  private readonly drain = (): void => {
    let progressed = true;
    while (progressed && !this.closed) {
      progressed = false;
      const consumers = this.consumers;
      const count = consumers.length;
      const start = this.cursor < count ? this.cursor : 0;
      for (let k = 0; k < count; k++) {
        const index = start + k < count ? start + k : start + k - count;
        const consumer = consumers[index]!;
        if (consumer.closed || consumer.inFlight >= consumer.prefetch) continue;
        const queue = consumer.pick();
        if (queue === undefined) continue;
        this.deliver(consumer, queue);
        this.cursor = index + 1;
        progressed = true;
      }
    }
    this.drainScheduled = false;
  };

  private deliver(consumer: Consumer, queue: QueueState): void {
    const delivery = queue.ready.shift()!;
    queue.unacked++;
    consumer.inFlight++;
    this.held.set(delivery, consumer);
    try {
      consumer.onDelivery(delivery);
    } catch (error) {
      this.reportError(error, `onDelivery of a consumer of "${delivery.queue}"`);
    }
  }
}

/** Create a {@link MemoryBroker}. */
export function createMemoryBroker(options?: MemoryBrokerOptions): MemoryBroker {
  return new MemoryBroker(options);
}

function redelivery(delivery: Delivery): MemoryDelivery {
  return new MemoryDelivery(delivery.id, delivery.queue, delivery.body, delivery.priority, true);
}
