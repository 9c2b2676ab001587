import { defineConfig } from 'vitest/config';
import { celeriacSerialProject } from './vitest.shared.ts';

/** Packages that have timing-sensitive `*.serial.test.ts` files. */
const serial = ['core', 'broker-redis', 'broker-amqp'];

export default defineConfig({
  test: {
    projects: [
      'packages/*',
      'examples/*',
      ...serial.map((name, i) => celeriacSerialProject(name, `packages/${name}`, i + 1)),
      // Python Celery processes and Celery's fixed names (the `celery` exchange, kombu's `unacked`
      // keys): one file at a time, after everything else.
      celeriacSerialProject('interop-celery', 'interop/celery', serial.length + 1),
    ],
  },
});
