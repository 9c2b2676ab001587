import { celeriacProject } from '../../vitest.shared.ts';

// One file at a time: the restart test stops RabbitMQ for every other test of the package.
export default celeriacProject('broker-amqp', { fileParallelism: false });
