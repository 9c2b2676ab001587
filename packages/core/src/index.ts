export { Celeriac } from './app/celeriac.ts';
export type { CeleriacOptions, WireProtocol } from './app/options.ts';
export { maskUrl } from './app/resolve-url.ts';
export type { Route, RouterFunction, Routes } from './app/routing.ts';
export type { ResultBackend, ResultRecord, Unsubscribe } from './backend/result-backend.ts';
export type { BeatHost } from './beat/beat.ts';
export { Beat } from './beat/beat.ts';
export type { BeatEntry, BeatOptions } from './beat/beat-options.ts';
export type { Schedule } from './beat/schedule.ts';
export type { CrontabField, CrontabFields, CrontabOptions } from './beat/schedule-crontab.ts';
export { CrontabSchedule, crontab } from './beat/schedule-crontab.ts';
export type { Interval } from './beat/schedule-every.ts';
export { EverySchedule, every } from './beat/schedule-every.ts';
export type {
  Broker,
  BrokerCapabilities,
  ConsumeOptions,
  DeadLetter,
  DeadLetterStore,
  Delivery,
  OutgoingMessage,
  QueueStats,
  Subscription,
} from './broker/broker.ts';
export type { Embed, SignatureJson, TaskEnvelope, TaskHeaders } from './broker/message.ts';
export { decodeEnvelope, ENVELOPE_VERSION } from './broker/message.ts';
export { consumeProblem, messageProblem } from './broker/validate.ts';
export { Chain, chain } from './canvas/chain.ts';
export { Chord, chord } from './canvas/chord.ts';
export { Group, group } from './canvas/group.ts';
export type { GatherOptions, Inspector, Replies, TaskSummary } from './control/control.ts';
export { Control, REVOKE_EXPIRES } from './control/control.ts';
export type { ControlCommand, ControlReply, ControlRequest } from './control/protocol.ts';
export { CONTROL_CHANNEL, REPLY_CHANNEL } from './control/protocol.ts';
export type { RemoteError } from './errors/index.ts';
export {
  AdapterNotInstalledError,
  BrokerConnectionError,
  CeleriacError,
  ConfigError,
  coerceError,
  MaxRetriesExceededError,
  PublishError,
  Reject,
  Retry,
  SerializationError,
  SoftTimeLimitExceeded,
  TaskFailedError,
  TaskRevokedError,
  TimeLimitExceeded,
  TimeoutError,
  toRemoteError,
  UnknownTaskError,
  WorkerLostError,
  WorkerShutdown,
} from './errors/index.ts';
export { ClusterEvents } from './events/cluster-events.ts';
export type * from './events/event-map.ts';
export { EVENTS_CHANNEL } from './events/event-publisher.ts';
export type { Json } from './json/json.ts';
export { assertJson, DEFAULT_MAX_PAYLOAD_BYTES } from './json/json.ts';
export type { CeleryEventMessage } from './protocol/celery-events.ts';
export {
  CELERY_EVENT_EXCHANGE,
  CeleryEventEncoder,
  celeryEventRoutingKey,
  toCeleryEvent,
} from './protocol/celery-events.ts';
export type {
  CeleryMailboxMessage,
  CeleryMailboxNode,
  CeleryMailboxReply,
  CeleryMailboxTranslation,
  CeleryMailboxTransport,
} from './protocol/celery-mailbox.ts';
export {
  CELERY_PIDBOX_EXCHANGE,
  CeleryMailbox,
  celeryMailboxAddressedTo,
  parseCeleryMailboxMessage,
  translateCeleryMailboxMessage,
} from './protocol/celery-mailbox.ts';
export type { CeleryException } from './protocol/celery-results.ts';
export {
  celeryResultKey,
  errorFromCelery,
  errorToCelery,
  recordFromCelery,
  recordToCelery,
} from './protocol/celery-results.ts';
export type { CeleryWireMessage, ReceivedCeleryMessage } from './protocol/celery-wire.ts';
export {
  CELERY_DEFAULT_QUEUE,
  celeryTimeToIso,
  fromCeleryWire,
  signatureFromCelery,
  signatureToCelery,
  toCeleryWire,
} from './protocol/celery-wire.ts';
export type { ResultInfo } from './result/async-result.ts';
export { AsyncResult } from './result/async-result.ts';
export { GroupResult } from './result/group-result.ts';
export type { TaskState } from './result/states.ts';
export { isReadyState, READY_STATES } from './result/states.ts';
export type { CallOptions } from './task/call-options.ts';
export type { TaskContext } from './task/context.ts';
export { currentTask } from './task/context.ts';
export type { DefineTaskOptions, TaskOptions } from './task/options.ts';
export type { AnySignature, SignatureOptions } from './task/signature.ts';
export { Signature } from './task/signature.ts';
export type { StoredResult } from './task/task.ts';
export { Task } from './task/task.ts';
export type { CloseOptions, StartOptions, WorkerOptions } from './worker/options.ts';
export { parseRate } from './worker/rate-limit.ts';
export { TASK_LOG_MAX_LINES } from './worker/result-writer.ts';
export { backoffDelay } from './worker/retry.ts';
export { Worker } from './worker/worker.ts';
