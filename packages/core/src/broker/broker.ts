import type { Json } from '../json/json.ts';

/**
 * What a broker can do natively. Core relies on `delay` and `priorities` being true for the
 * adapters it ships; `leases` says whether held deliveries expire unless renewed (Redis), in
 * which case the worker renews every delivery it holds with `extendLease`.
 */
export interface BrokerCapabilities {
  /** Messages with `eta` are kept by the broker until due. */
  readonly delay: boolean;
  /** Higher `priority` (0–9) is delivered first. */
  readonly priorities: boolean;
  /** Unacked deliveries come back when their lease runs out; renew with `extendLease`. */
  readonly leases: boolean;
  /** Several processes can share this broker (false for the in-process memory broker). */
  readonly crossProcess: boolean;
  /** With `leases`: how often a worker should renew held deliveries, ms (a third of the lease). */
  readonly leaseRenewMs?: number;
}

/** A message handed to `Broker.publish`. The body is opaque to the broker: core encodes it. */
export interface OutgoingMessage {
  /** Unique id (the task id, or a fresh id for a retry of it). */
  readonly id: string;
  /** Queue name, as routed by core. */
  readonly queue: string;
  /** The encoded envelope (JSON text). */
  readonly body: string;
  /** 0–9, higher first. */
  readonly priority: number;
  /** Epoch milliseconds before which the message must not be delivered. */
  readonly eta?: number;
  /**
   * The envelope `body` encodes, already decoded: a private copy no one else holds. An in-process
   * broker may hand it to the consumer as `Delivery.payload` on the first delivery, sparing a parse;
   * brokers that cross a process boundary ignore it.
   */
  readonly payload?: unknown;
}

/**
 * A message handed to a consumer, until it is settled by `ack`, `nack` or `deadLetter`. Settle with
 * the very object `onDelivery` received (adapters may match by identity); settling twice is a no-op.
 */
export interface Delivery {
  readonly id: string;
  readonly queue: string;
  readonly body: string;
  readonly priority: number;
  /** True when this message was delivered before and not acknowledged (crash, requeue, lease expiry). */
  readonly redelivered: boolean;
  /** `OutgoingMessage.payload`, when an in-process broker passes it on (never on a redelivery). */
  readonly payload?: unknown;
}

/** Counts for one queue. */
export interface QueueStats {
  /** Waiting to be delivered now. */
  ready: number;
  /** Waiting for their `eta`. */
  delayed: number;
  /** Delivered to a consumer and not yet settled. */
  unacked: number;
  /** In the queue's dead-letter store. */
  dead: number;
}

/** A message the broker set aside with the reason, instead of dropping it. */
export interface DeadLetter {
  readonly id: string;
  readonly queue: string;
  readonly body: string;
  readonly reason: string;
  /** Epoch milliseconds. */
  readonly deadLetteredAt: number;
}

/** Per-queue dead-letter store: list what was set aside, put it back, or delete it. */
export interface DeadLetterStore {
  /** Newest first. */
  list(queue: string, options?: { limit?: number; offset?: number }): Promise<DeadLetter[]>;
  /** Move a dead letter back to its queue; false when no such id (a later dead letter with the same id replaces the earlier). */
  requeue(queue: string, id: string): Promise<boolean>;
  /** Delete a dead letter; false when no such id. */
  delete(queue: string, id: string): Promise<boolean>;
}

/** A running consumer or broadcast listener. */
export interface Subscription {
  /** Stop receiving. Deliveries already handed out stay the consumer's to settle. */
  close(): Promise<void>;
}

/** Options of `Broker.consume`. */
export interface ConsumeOptions {
  /** Queues to consume, all under one prefetch budget. */
  readonly queues: readonly string[];
  /** At most this many unsettled deliveries are held at once by this subscription (≥ 1). */
  readonly prefetch: number;
}

/**
 * The transport between producers and workers, in Celery's terms. Implemented by
 * `@celeriac/broker-memory`, `@celeriac/broker-redis` and `@celeriac/broker-amqp`, and checked by
 * `describeBrokerConformance` from `@celeriac/core/testing`.
 */
export interface Broker {
  readonly capabilities: BrokerCapabilities;
  /** Open connections. Idempotent; called by core before first use; also reopens after `close()`. */
  connect(): Promise<void>;
  /** Close connections and stop every subscription. Unsettled deliveries return to their queue. Idempotent. */
  close(): Promise<void>;
  /** Store messages durably before resolving; rejects with `PublishError`/`BrokerConnectionError`. */
  publish(messages: readonly OutgoingMessage[]): Promise<void>;
  /**
   * Start delivering messages from `queues`, at most `prefetch` unsettled at a time. `onDelivery`
   * may be called before the returned promise resolves; once it resolves, the consumer is registered.
   */
  consume(options: ConsumeOptions, onDelivery: (delivery: Delivery) => void): Promise<Subscription>;
  /** Done: remove the message for good. */
  ack(delivery: Delivery): Promise<void>;
  /** Give the message back: to its queue (`requeue: true`, the default) or to the dead letters. */
  nack(delivery: Delivery, options?: { requeue?: boolean }): Promise<void>;
  /** Set the message aside in its queue's dead-letter store with `reason`. */
  deadLetter(delivery: Delivery, reason: string): Promise<void>;
  /** Renew the leases of held deliveries (brokers with `capabilities.leases`; a no-op elsewhere). */
  extendLease(deliveries: readonly Delivery[]): Promise<void>;
  /** Remove every ready and delayed message of `queue`; resolves to how many. */
  purge(queue: string): Promise<number>;
  stats(queue: string): Promise<QueueStats>;
  readonly deadLetters: DeadLetterStore;
  /** Send a JSON message to every subscriber of `channel` in the cluster (events, control). */
  broadcast(channel: string, message: Json): Promise<void>;
  /** Resolves once subscribed: a broadcast sent after that reaches `handler`. */
  subscribeBroadcast(channel: string, handler: (message: Json) => void): Promise<Subscription>;
}
