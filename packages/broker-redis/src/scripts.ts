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

// From src/ (tests, `@celeriac/source`) the scripts sit beside this file; from dist/ they are
// shipped in the package's src/lua (package.json `files`).
const LUA_DIR: URL | undefined = [new URL('./lua/', import.meta.url), new URL('../src/lua/', import.meta.url)].find(
  (dir) => existsSync(new URL('publish.lua', dir)),
);
const INCLUDE = /^-- @include "([a-z-]+)"$/gm;
const sources = new Map<string, string>();

/** A script's source with its `-- @include "name"` lines replaced by `includes/name.lua`. */
export function luaSource(name: ScriptName): string {
  let source = sources.get(name);
  if (source === undefined) {
    if (LUA_DIR === undefined) throw new Error('@celeriac/broker-redis: its Lua scripts (src/lua) are missing.');
    source = readFileSync(new URL(`${name}.lua`, LUA_DIR), 'utf8').replace(INCLUDE, (_, include: string) =>
      readFileSync(new URL(`includes/${include}.lua`, LUA_DIR), 'utf8'),
    );
    sources.set(name, source);
  }
  return source;
}

type CustomCommand = (
  numberOfKeys: number,
  keys: readonly string[],
  args: readonly (string | number)[],
) => Promise<unknown>;

/**
 * The script `name` as a function on `client`, defined once per client with ioredis
 * `defineCommand` (EVALSHA, falling back to EVAL when Redis lost its script cache).
 */
export function defineScript(client: Redis, name: ScriptName): Script {
  const command = `celeriac_${name.replaceAll('-', '_')}`;
  const commands = client as unknown as Record<string, CustomCommand | undefined>;
  if (typeof commands[command] !== 'function') client.defineCommand(command, { lua: luaSource(name) });
  const run = commands[command] as CustomCommand;
  // ioredis flattens array arguments, so keys and args need no spreading.
  return (keys, args) => run.call(client, keys.length, keys, args);
}
