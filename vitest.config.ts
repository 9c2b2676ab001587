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
    ],
  },
});
