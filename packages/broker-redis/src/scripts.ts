import { existsSync, readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/** The Lua scripts in `src/lua/`, by file name. */
export type ScriptName =
  | 'publish'
  | 'fetch'
  | 'ack'
  | 'settle'
  | 'reclaim'
  | 'promote'
  | 'purge'
  | 'stats'
  | 'dead-letter-list'
  | 'dead-letter-requeue'
  | 'dead-letter-delete'
  | 'set-result'
  | 'incr'
  | 'acquire-lease'
  | 'renew-lease'
  | 'release-lease'
  | 'append-log';

/** Runs one script: keys, then arguments. Resolves to the script's reply. */
export type Script = (keys: readonly string[], args: readonly (string | number)[]) => Promise<unknown>;

const INCLUDE = /^-- @include "([a-z-]+)"$/gm;

/** The Lua files of one folder: its scripts, and the fragments in its `includes/`. */
export interface LuaFolder {
  /**
   * Script `name`.lua with each `-- @include "x"` line replaced by fragment `x` (and the includes
   * of that fragment in turn), each fragment once; read once.
   */
  script(name: string): string;
  /** Fragment `includes/name.lua` of this folder, or else of the folder it shares fragments from. */
  include(name: string): string;
}

/**
 * The Lua files of one folder. The folder is the first of `dirs` that holds `probe`: beside the
 * source file (tests, `@celeriac/source`), or shipped in the package's `src/` when run from dist/
 * (package.json `files`). A fragment its `includes/` lacks comes from `shared`.
 */
export function luaFolder(dirs: readonly URL[], probe: string, label: string, shared?: LuaFolder): LuaFolder {
  const dir = dirs.find((each) => existsSync(new URL(probe, each)));
  const read = (path: string): string => {
    if (dir === undefined) throw new Error(`@celeriac/broker-redis: its Lua scripts (${label}) are missing.`);
    return readFileSync(new URL(path, dir), 'utf8');
  };
  const include = (name: string): string => {
    const path = `includes/${name}.lua`;
    if (shared !== undefined && !(dir !== undefined && existsSync(new URL(path, dir)))) return shared.include(name);
    return read(path);
  };
  // A fragment included twice would only define its locals again (and an include cycle never ends).
  const expand = (source: string, included: Set<string>): string =>
    source.replace(INCLUDE, (_, name: string) => {
      if (included.has(name)) return '';
      included.add(name);
      return expand(include(name), included);
    });
  const scripts = new Map<string, string>();
  return {
    script: (name) => {
      let source = scripts.get(name);
      if (source === undefined) {
        source = expand(read(`${name}.lua`), new Set());
        scripts.set(name, source);
      }
      return source;
    },
    include,
  };
}

/** The Lua files of `src/lua/`, Celeriac's own layout; Celery mode's scripts share its fragments. */
export const celeriacLua: LuaFolder = luaFolder(
  [new URL('./lua/', import.meta.url), new URL('../src/lua/', import.meta.url)],
  'publish.lua',
  'src/lua',
);

/** A script's source with its `-- @include "name"` lines replaced by `includes/name.lua`. */
export function luaSource(name: ScriptName): string {
  return celeriacLua.script(name);
}

type CustomCommand = (
  numberOfKeys: number,
  keys: readonly string[],
  args: readonly (string | number)[],
) => Promise<unknown>;

/**
 * Lua `source` as the command `command` on `client`, defined once per client with ioredis
 * `defineCommand` (EVALSHA, falling back to EVAL when Redis lost its script cache).
 */
export function defineLuaCommand(client: Redis, command: string, source: () => string): Script {
  const commands = client as unknown as Record<string, CustomCommand | undefined>;
  if (typeof commands[command] !== 'function') client.defineCommand(command, { lua: source() });
  const run = commands[command] as CustomCommand;
  // ioredis flattens array arguments, so keys and args need no spreading.
  return (keys, args) => run.call(client, keys.length, keys, args);
}

/** The script `name` of `src/lua/` as a function on `client`. */
export function defineScript(client: Redis, name: ScriptName): Script {
  return defineLuaCommand(client, `celeriac_${name.replaceAll('-', '_')}`, () => luaSource(name));
}
