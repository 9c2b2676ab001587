export { CeleriacError, ConfigError, AdapterNotInstalledError, SerializationError, TimeoutError } from './celeriac-error.ts';
export {
  TaskFailedError,
  TaskRevokedError,
  UnknownTaskError,
  TimeLimitExceeded,
  SoftTimeLimitExceeded,
  MaxRetriesExceededError,
} from './task-errors.ts';
export type { RemoteError } from './task-errors.ts';
export { BrokerConnectionError, PublishError } from './broker-errors.ts';
export { Retry, Reject } from './signals.ts';
export { coerceError, toRemoteError } from './coerce-error.ts';
