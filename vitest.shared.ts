import { defineProject } from 'vitest/config';

/**
 * Shared vitest project settings. Tests import `@celeriac/*` packages through the
 * `@celeriac/source` export condition, so they run against `src/` without a build.
 */
export function celeriacProject(name: string, overrides: { testTimeout?: number; fileParallelism?: boolean } = {}) {
  const conditions = ['@celeriac/source', 'node', 'import', 'default'];
  return defineProject({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: conditions } },
    test: {
      name,
      environment: 'node',
      include: ['test/**/*.test.ts'],
      testTimeout: overrides.testTimeout ?? 20_000,
      hookTimeout: 30_000,
      fileParallelism: overrides.fileParallelism ?? true,
      typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.test.json' },
    },
  });
}
