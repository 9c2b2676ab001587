export { AmqpBroker, createAmqpBroker } from './amqp-broker.ts';
export type { AmqpBrokerOptions } from './options.ts';
export { DELAY_LEVELS, MAX_DELAY_MS, Topology } from './topology.ts';
