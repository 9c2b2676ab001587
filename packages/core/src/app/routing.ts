import { ConfigError } from '../errors/celeriac-error.ts';
import type { Json } from '../json/json.ts';

/** Where a route sends a task. */
export interface Route {
  queue: string;
  priority?: number;
}

/** A router function: return a queue name, a Route, or undefined to let the next router decide. */
export type RouterFunction = (name: string, args: readonly Json[]) => Route | string | undefined | null;

/** `{ 'documents.*': { queue: 'document_processing' } }`, a router function, or a list of both. */
export type Routes =
  | Record<string, Route | string>
  | RouterFunction
  | ReadonlyArray<Record<string, Route | string> | RouterFunction>;

interface CompiledMap {
  exact: Map<string, Route>;
  globs: Array<{ pattern: RegExp; route: Route }>;
}

function toRoute(value: Route | string, key: string): Route {
  const route = typeof value === 'string' ? { queue: value } : value;
  if (typeof route?.queue !== 'string' || route.queue === '') {
    throw new ConfigError(`Route "${key}" must name a queue, as { queue: 'name' } or 'name'.`);
  }
  return route;
}

/** Celery's fnmatch: `*` matches any characters (dots included), `?` exactly one. */
function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

function compileMap(map: Record<string, Route | string>): CompiledMap {
  const compiled: CompiledMap = { exact: new Map(), globs: [] };
  for (const [key, value] of Object.entries(map)) {
    const route = toRoute(value, key);
    if (/[*?]/.test(key)) compiled.globs.push({ pattern: globToRegExp(key), route });
    else compiled.exact.set(key, route);
  }
  return compiled;
}

/**
 * Resolves a task name to its route. Maps are checked exact names first, then globs in insertion
 * order; routers in list order; the first answer wins. Map-only answers are cached per name.
 */
export class Router {
  readonly #routers: Array<CompiledMap | RouterFunction>;
  readonly #cache = new Map<string, Route | undefined>();
  readonly #cacheable: boolean;

  constructor(routes: Routes | undefined) {
    const list = routes === undefined ? [] : Array.isArray(routes) ? routes : [routes];
    this.#routers = list.map((entry) => (typeof entry === 'function' ? entry : compileMap(entry)));
    this.#cacheable = this.#routers.every((entry) => typeof entry !== 'function');
  }

  route(name: string, args: readonly Json[]): Route | undefined {
    if (this.#cacheable && this.#cache.has(name)) return this.#cache.get(name);
    let found: Route | undefined;
    for (const router of this.#routers) {
      found = typeof router === 'function' ? this.#callRouter(router, name, args) : matchMap(router, name);
      if (found !== undefined) break;
    }
    if (this.#cacheable) this.#cache.set(name, found);
    return found;
  }

  #callRouter(router: RouterFunction, name: string, args: readonly Json[]): Route | undefined {
    const answer = router(name, args);
    if (answer === undefined || answer === null) return undefined;
    return toRoute(answer, `router for ${name}`);
  }
}

function matchMap(map: CompiledMap, name: string): Route | undefined {
  const exact = map.exact.get(name);
  if (exact !== undefined) return exact;
  for (const { pattern, route } of map.globs) if (pattern.test(name)) return route;
  return undefined;
}
