import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, type Fixture, startFixture } from './helpers.ts';

describe('dashboard assets', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture({ worker: false });
  });
  afterAll(() => f.close());

  it('serves every file of dashboard/ (each script module the page imports) and nothing else', async () => {
    const files = (await readdir(new URL('../dashboard/', import.meta.url))).filter((name) => name !== 'index.html');
    for (const file of files) {
      const res = await call(f.url, `assets/${file}`);
      expect(res.status, file).toBe(200);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      if (file.endsWith('.js')) {
        expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
        // Modules import each other by relative URL only.
        for (const [, target] of res.text.matchAll(/from '([^']+)'/g))
          expect(files).toContain(target!.replace('./', ''));
        expect(res.text).not.toMatch(/\.innerHTML\b|insertAdjacentHTML|document\.write/);
      }
    }
    for (const path of ['assets/index.html', 'assets/..%2Fpackage.json', 'assets/../package.json', 'assets/nope.js']) {
      expect((await call(f.url, path)).status, path).toBe(404);
    }
  });
});
