import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import * as api from '../src/index.ts';

describe('@celeriac/monitor-http exports', () => {
  it('exports createMonitor, createEventStream and the building blocks by name, with no default export', () => {
    expect(Object.keys(api).sort()).toEqual([
      'Authenticator',
      'CSRF_HEADER',
      'MonitorMetrics',
      'SESSION_COOKIE',
      'TaskHistory',
      'createEventStream',
      'createMonitor',
    ]);
  });

  it('has an exports map with the source condition first, then types and default', async () => {
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
    expect(Object.keys(pkg.exports['.'])).toEqual(['@celeriac/source', 'types', 'default']);
    expect(pkg.exports['.']).toEqual({
      '@celeriac/source': './src/index.ts',
      types: './dist/index.d.ts',
      default: './dist/index.js',
    });
    expect(pkg.files).toEqual(expect.arrayContaining(['dist', 'dashboard']));
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['@celeriac/core', 'prom-client']);
  });
});
