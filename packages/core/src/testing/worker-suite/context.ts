import type { Celeriac } from '../../app/celeriac.ts';

/** Options of {@link describeWorkerConformance}. */
export interface WorkerConformanceOptions {
  /** Shown in the suite title: `worker conformance: <name>`. */
  name: string;
  /**
   * A new app on the broker (and result backend) under test, silent, with no tasks yet. Every app
   * created during one test must see the same queues, results and broadcasts, as processes sharing
   * a server do; apps of different tests should not (give each test its own URL, prefix or
   * queue prefix, e.g. in a `beforeEach`). The suite closes every app after its test.
   * `label` names the app's role in the test (`worker`, `producer`), for logs and prefixes.
   */
  createApp: (label: string) => Celeriac | Promise<Celeriac>;
  /** Called after each test, once its apps are closed: close brokers/backends passed in, delete keys and queues. */
  cleanup?: () => Promise<void>;
  /**
   * Multiplier for every wait and deadline (result timeouts, quiet windows, retry countdowns,
   * time limits). Raise it for brokers whose first declaration of a queue is slow, or remote servers.
   * @default 1
   */
  timeScale?: number;
}

/** What suite files share. `app()` is only valid while a test runs. */
export interface WorkerSuiteContext {
  /** The `name` option. */
  readonly name: string;
  /** The `timeScale` option. */
  readonly timeScale: number;
  /** `milliseconds × timeScale`, for deadlines and windows. */
  ms(milliseconds: number): number;
  /** `seconds × timeScale`, for countdowns and time limits given in seconds. */
  seconds(seconds: number): number;
  /** A new app from `createApp(label)`, closed after the test. */
  app(label?: string): Promise<Celeriac>;
  /** A worker hostname no other test uses, starting with `label`. */
  hostname(label: string): string;
}
