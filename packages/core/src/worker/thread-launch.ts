import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors/celeriac-error.ts';

/**
 * The thread entry: built JS next to this file, or (when core runs from its TypeScript sources, as
 * under vitest) the package's build, since Node 20 threads cannot load `.ts` files.
 */
export function threadEntry(): URL {
  const beside = new URL('./thread-entry.js', import.meta.url);
  if (existsSync(beside)) return beside;
  const built = new URL('../../dist/worker/thread-entry.js', import.meta.url);
  if (existsSync(built)) return built;
  throw new ConfigError(
    `The threads pool needs its built thread entry (${fileURLToPath(built)}), which is missing: build @celeriac/core (\`npx tsc -b packages/core\`).`,
  );
}

/** The monorepo's export condition that maps @celeriac/* to TypeScript sources (tests, dev tools). */
const SOURCE_CONDITION = '@celeriac/source';

/**
 * The parent's Node options, minus the source condition: the thread entry is built JS, so the task
 * module in the thread must resolve @celeriac/core to the build too (one `currentTask()` store),
 * and Node 20 could not load the `.ts` sources anyway. Other options (loaders such as tsx,
 * source maps) are kept, so a TypeScript task module loads where the main thread's did.
 */
export function threadExecArgv(parent: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let i = 0; i < parent.length; i++) {
    const arg = parent[i]!;
    if ((arg === '--conditions' || arg === '-C') && parent[i + 1] === SOURCE_CONDITION) {
      i++;
      continue;
    }
    if (arg === `--conditions=${SOURCE_CONDITION}` || arg === `-C=${SOURCE_CONDITION}`) continue;
    kept.push(arg);
  }
  return kept;
}
