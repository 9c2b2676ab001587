import { defineProject } from 'vitest/config';

interface ProjectOptions {
  testTimeout?: number;
  fileParallelism?: boolean;
}

const conditions = ['@celeriac/source', 'node', 'import', 'default'];

/**
 * Shared vitest project settings. Tests import `@celeriac/*` packages through the
 * `@celeriac/source` export condition, so they run against `src/` without a build.
 * Files named `*.serial.test.ts` are timing-sensitive: they are left out here and run by
 * `celeriacSerialProject` after everything else, one file at a time (this machine has 2 cores).
 */
export function celeriacProject(name: string, overrides: ProjectOptions = {}) {
  return defineProject({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: conditions } },
    test: {
      name,
      environment: 'node',
      include: ['test/**/*.test.ts'],
      exclude: ['**/node_modules/**', 'test/**/*.serial.test.ts'],
      testTimeout: overrides.testTimeout ?? 20_000,
      hookTimeout: 30_000,
      fileParallelism: overrides.fileParallelism ?? true,
      typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.test.json' },
    },
  });
}

/** The serial twin of a package's project: its `*.serial.test.ts` files, alone on the machine. */
export function celeriacSerialProject(name: string, root: string, groupOrder: number) {
  return defineProject({
    root,
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: conditions } },
    test: {
      name: `${name}-serial`,
      root,
      environment: 'node',
      include: ['test/**/*.serial.test.ts'],
      testTimeout: 60_000,
      hookTimeout: 30_000,
      fileParallelism: false,
      maxWorkers: 1,
      sequence: { groupOrder },
    },
  });
}
