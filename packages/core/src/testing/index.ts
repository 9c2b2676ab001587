/**
 * `@celeriac/core/testing`: the conformance suites every broker and result backend adapter runs
 * (and the worker suite, a real app and worker on it),
 * and small helpers for users' own tests. Needs vitest (an optional peer dependency of core).
 */
export type { BackendConformanceOptions, BackendSuiteContext } from './backend-suite/context.ts';
export { describeBackendConformance } from './backend-suite/describe-backend-conformance.ts';
export type { BrokerConformanceOptions, BrokerSuiteContext } from './broker-suite/context.ts';
export { describeBrokerConformance } from './broker-suite/describe-broker-conformance.ts';
export { BroadcastCollector, collectBroadcasts } from './helpers/collect-broadcasts.ts';
export type { CollectDeliveriesOptions } from './helpers/collect-deliveries.ts';
export { collectDeliveries, DeliveryCollector } from './helpers/collect-deliveries.ts';
export { uniqueQueue } from './helpers/unique-queue.ts';
export type { WaitForOptions } from './helpers/wait-for.ts';
export { waitFor } from './helpers/wait-for.ts';
export type { WorkerConformanceOptions, WorkerSuiteContext } from './worker-suite/context.ts';
export { describeWorkerConformance } from './worker-suite/describe-worker-conformance.ts';
