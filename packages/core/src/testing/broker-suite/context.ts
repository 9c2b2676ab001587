import type { Broker, BrokerCapabilities } from '../../broker/broker.ts';

/** Options of {@link describeBrokerConformance}. */
export interface BrokerConformanceOptions {
  /** Shown in the suite title: `broker conformance: <name>`. */
  name: string;
  /**
   * A new, unconnected broker. Called before every test (the suite connects it and closes it
   * after the test), and again when a test needs a second broker. Brokers created here must see
   * the same queues when `capabilities.crossProcess` is true, as processes sharing a server do.
   */
  create: () => Broker | Promise<Broker>;
  /**
   * Overrides of the broker's own `capabilities`, to declare a quirk (say, `leases: false` for a
   * server where the lease test cannot run) instead of forking the suite. A capability declared
   * false skips its tests without creating a broker.
   * @default the broker's own `capabilities`
   */
  capabilities?: Partial<BrokerCapabilities>;
  /**
   * Multiplier for every timing-sensitive wait and delay (deadlines, eta offsets, negative-check
   * windows). Raise it for brokers on slow or remote servers.
   * @default 1
   */
  timeScale?: number;
  /** Register more `it`s for this broker; they run inside the suite with the same fresh broker. */
  additionalTests?: (ctx: BrokerSuiteContext) => void;
  /** Called with each broker of a test after it is closed: delete keys, queues, exchanges. */
  cleanup?: (broker: Broker) => Promise<void>;
}

/**
 * What suite files (and `additionalTests`) share. The broker-related members are only valid while a
 * test runs: each test gets a fresh, connected broker.
 */
export interface BrokerSuiteContext {
  /** The `name` option. */
  readonly name: string;
  /** The connected broker of the running test. */
  readonly broker: Broker;
  /** The broker's own capabilities, overridden by the `capabilities` option. */
  readonly capabilities: BrokerCapabilities;
  /** The `timeScale` option. */
  readonly timeScale: number;
  /** `milliseconds × timeScale`, for deadlines and delays. */
  ms(milliseconds: number): number;
  /** Another connected broker from `create()`; closed and cleaned up after the test. */
  createBroker(): Promise<Broker>;
  /** Close `broker` now (the suite will not close it again after the test). */
  closeBroker(broker: Broker): Promise<void>;
  /**
   * A broker that sees the queues of `closed`, which the test has closed: another one from
   * `create()` when the broker is `crossProcess`, else `closed` itself reopened with `connect()`
   * (the only way an in-process broker can show what its close left behind).
   */
  successorOf(closed: Broker): Promise<Broker>;
  /**
   * An `it` that runs only when the broker has `capability`: skipped at collection when the
   * `capabilities` option declares it false, at run time when the broker reports it false.
   */
  itRequires(capability: keyof BrokerCapabilities, name: string, fn: () => Promise<void>): void;
}
