export type { CeleryRedisBackendOptions } from './celery/celery-redis-backend.ts';
export { CeleryRedisBackend, createCeleryRedisBackend } from './celery/celery-redis-backend.ts';
export type { KombuRedisBrokerOptions } from './celery/kombu-broker-options.ts';
export { createKombuRedisBroker, KombuRedisBroker } from './celery/kombu-redis-broker.ts';
export { KeySpace } from './keys.ts';
export type { RedisBackendOptions } from './redis-backend.ts';
export { createRedisBackend, RedisBackend } from './redis-backend.ts';
export type { RedisBrokerOptions } from './redis-broker.ts';
export { createRedisBroker, RedisBroker } from './redis-broker.ts';
