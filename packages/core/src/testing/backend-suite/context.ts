import type { ResultBackend } from '../../backend/result-backend.ts';

/** Options of {@link describeBackendConformance}. */
export interface BackendConformanceOptions {
  /** Shown in the suite title: `backend conformance: <name>`. */
  name: string;
  /**
   * A new, unconnected backend. Called before every test (the suite connects it and closes it
   * after the test), and again when a test needs a second instance. Instances must share their
   * data when `capabilities.crossProcess` is true, as processes sharing a server do.
   */
  create: () => ResultBackend | Promise<ResultBackend>;
  /**
   * Multiplier for every timing-sensitive value (TTLs, deadlines). Raise it for slow or remote
   * servers.
   * @default 1
   */
  timeScale?: number;
  /** Register more `it`s for this backend; they run inside the suite with the same fresh backend. */
  additionalTests?: (ctx: BackendSuiteContext) => void;
  /** Called with each backend of a test after it is closed: delete keys. */
  cleanup?: (backend: ResultBackend) => Promise<void>;
}

/**
 * What suite files (and `additionalTests`) share. The backend-related members are only valid while
 * a test runs: each test gets a fresh, connected backend.
 */
export interface BackendSuiteContext {
  /** The `name` option. */
  readonly name: string;
  /** The connected backend of the running test. */
  readonly backend: ResultBackend;
  /** The `timeScale` option. */
  readonly timeScale: number;
  /** `milliseconds × timeScale`, for deadlines. */
  ms(milliseconds: number): number;
  /** `seconds × timeScale`, for TTLs. */
  seconds(seconds: number): number;
  /** Another connected backend from `create()`; closed and cleaned up after the test. */
  createBackend(): Promise<ResultBackend>;
}
