import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const demo = fileURLToPath(new URL('../dist/demo.js', import.meta.url));

describe('npm run demo', () => {
  it('processes the samples with a bar per document, answers with sources, and says how to start the server', async () => {
    expect(existsSync(demo), `${demo} is missing: run \`npm run build\` first`).toBe(true);
    const t0 = performance.now();
    const { stdout } = await run(process.execPath, [demo], {
      env: { ...process.env, DEMO_BATCH_DELAY_MS: '50' },
      timeout: 30_000,
    });
    expect(performance.now() - t0).toBeLessThan(20_000);
    for (const file of ['travel-policy.pdf', 'remote-work.docx', 'employee-handbook.md']) {
      expect(stdout).toMatch(new RegExp(`${file.replace('.', '\\.')}\\s+\\[█+\\] 100%  done: \\d+ chunks`));
    }
    expect(stdout).toContain('3 of 3 documents processed');
    expect(stdout).toContain('A: The daily meal allowance for domestic travel is 45 euros.');
    expect(stdout).toMatch(/\[1\] travel-policy\.pdf · chunk \d+ · score/);
    expect(stdout).toContain('PORT=3000 npm start -w examples/company-on');
    expect(stdout).toContain('CELERIAC_BROKER_URL=redis://127.0.0.1:6379 npm run worker -w examples/company-on');
    expect(stdout).toContain('CELERIAC_BROKER_URL=redis://127.0.0.1:6379 npm run beat -w examples/company-on');
    expect(stdout).toContain('CELERIAC_EMBEDDED=0 PORT=3000 npm start -w examples/company-on');
  });
});
