import { existsSync, readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { Script } from '../scripts.ts';

/** The Lua scripts of Celery mode, in `src/celery/lua/`, by file name. */
export type CeleryScriptName =
  | 'set-celery-result'
  | 'kombu-fetch'
  | 'kombu-settle'
  | 'kombu-restore'
  | 'kombu-promote'
  | 'kombu-purge'
  | 'kombu-stats'
  | 'kombu-dead-letter-list'
  | 'kombu-dead-letter-requeue'
  | 'kombu-dead-letter-delete';

// From src/ (tests, `@celeriac/source`) the scripts sit beside this file; from dist/ they are
// shipped in the package's src/celery/lua (package.json `files`).
const LUA_DIR: URL | undefined = [
  new URL('./lua/', import.meta.url),
  new URL('../../src/celery/lua/', import.meta.url),
].find((dir) => existsSync(new URL('set-celery-result.lua', dir)));
const INCLUDE = /^-- @include "([a-z-]+)"$/gm;
const sources = new Map<string, string>();

/** A script's source with its `-- @include "name"` lines replaced by `includes/name.lua`. */
function luaSource(name: CeleryScriptName): string {
  let source = sources.get(name);
  if (source === undefined) {
    if (LUA_DIR === undefined) throw new Error('@celeriac/broker-redis: its Lua scripts (src/celery/lua) are missing.');
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

/** The Celery-mode script `name` as a function on `client` (defined once per client, EVALSHA). */
export function defineCeleryScript(client: Redis, name: CeleryScriptName): Script {
  const command = `celeriac_celery_${name.replaceAll('-', '_')}`;
  const commands = client as unknown as Record<string, CustomCommand | undefined>;
  if (typeof commands[command] !== 'function') client.defineCommand(command, { lua: luaSource(name) });
  const run = commands[command] as CustomCommand;
  return (keys, args) => run.call(client, keys.length, keys, args);
}
