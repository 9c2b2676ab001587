export type { MemoryBackendOptions } from './memory-backend.ts';
export { createMemoryBackend, MemoryBackend } from './memory-backend.ts';
export type { MemoryBrokerOptions } from './memory-broker.ts';
export { createMemoryBroker, MemoryBroker } from './memory-broker.ts';
