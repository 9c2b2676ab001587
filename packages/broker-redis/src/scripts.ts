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

/**
 * The Lua files of one folder by name, each with its `-- @include "name"` lines replaced by
 * `includes/name.lua`, read once. The folder is the first of `dirs` that holds `probe`: beside the
 * source file (tests, `@celeriac/source`), or shipped in the package's `src/` when run from dist/
 * (package.json `files`).
 */
export function luaFolder(dirs: readonly URL[], probe: string, label: string): (name: string) => string {
  const dir = dirs.find((each) => existsSync(new URL(probe, each)));
  const sources = new Map<string, string>();
  return (name) => {
    let source = sources.get(name);
    if (source === undefined) {
      if (dir === undefined) throw new Error(`@celeriac/broker-redis: its Lua scripts (${label}) are missing.`);
      source = readFileSync(new URL(`${name}.lua`, dir), 'utf8').replace(INCLUDE, (_, include: string) =>
        readFileSync(new URL(`includes/${include}.lua`, dir), 'utf8'),
      );
      sources.set(name, source);
    }
    return source;
  };
}

const lua = luaFolder(
  [new URL('./lua/', import.meta.url), new URL('../src/lua/', import.meta.url)],
  'publish.lua',
  'src/lua',
);

/** A script's source with its `-- @include "name"` lines replaced by `includes/name.lua`. */
export function luaSource(name: ScriptName): string {
  return lua(name);
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
