import { defineConfig } from 'vitest/config';
import { celeriacSerialProject } from './vitest.shared.ts';

/** Packages that have timing-sensitive `*.serial.test.ts` files. */
const serial = ['core', 'broker-redis', 'broker-amqp'];

function withName<T extends { test?: object }>(name: string, project: T): T {
  return { ...project, test: { ...project.test, name } };
}

export default defineConfig({
  test: {
    projects: [
      'packages/*',
      'examples/*',
      ...serial.map((name, i) => celeriacSerialProject(name, `packages/${name}`, i + 1)),
      // Python Celery processes and Celery's fixed names (the `celery` exchange, kombu's `unacked`
      // keys): one file at a time, after everything else. Named `interop-celery` (no -serial: all
      // of its files are), so `npx vitest run --project interop-celery` runs them.
      withName('interop-celery', celeriacSerialProject('interop-celery', 'interop/celery', serial.length + 1)),
    ],
  },
});
