import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));

describe('npm run demo', () => {
  it('runs every task, retries the flaky ones, and prints a summary', async () => {
    expect(existsSync(main), `${main} is missing: run \`npm run build\` first`).toBe(true);
    const { stdout } = await run(process.execPath, [main], {
      env: { ...process.env, DEMO_TASKS: '200' },
      timeout: 30_000,
    });
    expect(stdout).toMatch(/100%\s+200\/200 done · 0 failed · 10 retries/);
    expect(stdout).toMatch(/succeeded\s+200\n/);
    expect(stdout).toContain('first result {"imageId":1,"width":128,"height":128}');
  });
});
