export { BrokerConnectionError, PublishError } from './broker-errors.ts';
export {
  AdapterNotInstalledError,
  CeleriacError,
  ConfigError,
  SerializationError,
  TimeoutError,
} from './celeriac-error.ts';
export { coerceError, toRemoteError } from './coerce-error.ts';
export { Reject, Retry } from './signals.ts';
export type { RemoteError } from './task-errors.ts';
export {
  MaxRetriesExceededError,
  SoftTimeLimitExceeded,
  TaskFailedError,
  TaskRevokedError,
  TimeLimitExceeded,
  UnknownTaskError,
  WorkerLostError,
  WorkerShutdown,
} from './task-errors.ts';
