// Type-check every workspace's tests (its tsconfig.test.json), two at a time: vitest runs test
// files without checking their types, so a wrong call in a test would otherwise go unnoticed.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
const { workspaces } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** `packages/*` → its folders; a plain entry stays as it is. */
function expand(pattern) {
  if (!pattern.endsWith('/*')) return [pattern];
  const parent = pattern.slice(0, -2);
  return readdirSync(join(root, parent), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(parent, entry.name));
}

const configs = workspaces
  .flatMap(expand)
  .map((dir) => join(dir, 'tsconfig.test.json'))
  .filter((config) => existsSync(join(root, config)));

const failures = [];
const waiting = [...configs];
async function checkNext() {
  for (let config = waiting.shift(); config !== undefined; config = waiting.shift()) {
    try {
      await run(process.execPath, [tsc, '-p', config, '--noEmit'], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
    } catch (error) {
      failures.push(`${config}:\n${error.stdout || error.message}`);
    }
  }
}
await Promise.all([checkNext(), checkNext()]);
if (failures.length > 0) {
  process.stderr.write(
    `Type errors in tests (fix them: such a test may not check what it says):\n${failures.join('\n')}\n`,
  );
  process.exit(1);
}
process.stdout.write(`tests type-check: ${configs.length} projects, no errors\n`);
