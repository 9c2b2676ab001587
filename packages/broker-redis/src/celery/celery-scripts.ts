import type { Redis } from 'ioredis';
import { celeriacLua, defineLuaCommand, luaFolder, type Script } from '../scripts.ts';

/** The Lua scripts of Celery mode, in `src/celery/lua/`, by file name. */
export type CeleryScriptName =
  | 'set-celery-result'
  | 'kombu-fetch'
  | 'kombu-settle'
  | 'kombu-restore'
  | 'kombu-promote'
  | 'kombu-purge'
  | 'kombu-stats'
  | 'kombu-dead-letter-requeue';

// Celery mode's scripts ship in the package's src/celery/lua when run from dist/; fragments its
// includes/ lacks (the dead-letter store) come from src/lua/includes.
const lua = luaFolder(
  [new URL('./lua/', import.meta.url), new URL('../../src/celery/lua/', import.meta.url)],
  'set-celery-result.lua',
  'src/celery/lua',
  celeriacLua,
);

/** The Celery-mode script `name` as a function on `client` (defined once per client, EVALSHA). */
export function defineCeleryScript(client: Redis, name: CeleryScriptName): Script {
  return defineLuaCommand(client, `celeriac_celery_${name.replaceAll('-', '_')}`, () => lua.script(name));
}
