import type { IncomingMessage } from 'node:http';

/** A request body over the cap. */
export class BodyTooLargeError extends Error {
  readonly limit: number;
  constructor(limit: number) {
    super(`Request body larger than ${limit} bytes.`);
    this.name = 'BodyTooLargeError';
    this.limit = limit;
  }
}

/** A body that is not what the route reads (bad JSON, not an object). */
export class BadRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadRequestError';
  }
}

/** What frameworks add to Node's request: Express/middie `originalUrl`, Express `baseUrl`, parsed `body`. */
type FrameworkRequest = IncomingMessage & { originalUrl?: string; baseUrl?: string; body?: unknown };

/** Where the request is, relative to the monitor's mount point, and where that mount point is. */
export interface Located {
  /** Path under the mount point, always starting with `/` (`/api/tasks`). */
  path: string;
  query: URLSearchParams;
  /** The mount point as the browser sees it (`/monitor`, or `` at the root). */
  mount: string;
  /** True when the browser asked for the mount point without its trailing slash (`/monitor`). */
  bareMount: boolean;
}

function splitUrl(url: string): { pathname: string; search: string } {
  const q = url.indexOf('?');
  return q === -1 ? { pathname: url, search: '' } : { pathname: url.slice(0, q), search: url.slice(q + 1) };
}

function trimSlash(path: string): string {
  return path.endsWith('/') ? path.slice(0, -1) : path;
}

/**
 * Resolve the request's path under the mount point. Express and middie strip the prefix from
 * `req.url` and keep the full URL in `req.originalUrl`; `node:http` and Koa pass the full URL, which
 * `basePath` strips.
 */
export function locate(req: IncomingMessage, basePath: string): Located {
  const framework = req as FrameworkRequest;
  const url = splitUrl(req.url ?? '/');
  const original = splitUrl(framework.originalUrl ?? req.url ?? '/');
  const query = new URLSearchParams(url.search);
  const base = trimSlash(basePath);
  let path = url.pathname;
  let mount: string;
  if (framework.originalUrl !== undefined && framework.originalUrl !== req.url) {
    // Already stripped by the framework: the mount is what it took off.
    const local = path === '/' && !original.pathname.endsWith('/') ? '' : path;
    mount =
      framework.baseUrl ??
      (original.pathname.endsWith(local) ? original.pathname.slice(0, original.pathname.length - local.length) : '');
    if (local === '') path = '';
  } else if (base !== '' && (path === base || path.startsWith(`${base}/`))) {
    mount = base;
    path = path.slice(base.length);
  } else {
    mount = '';
  }
  mount = trimSlash(mount);
  const bareMount = path === '' && mount !== '';
  return { path: path === '' ? '/' : path, query, mount, bareMount };
}

/**
 * Read the body, at most `limit` bytes (`BodyTooLargeError` past it). A body a framework already
 * parsed (Express `express.json()`) is taken as it is.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<string | object> {
  const parsed = (req as FrameworkRequest).body;
  if (parsed !== undefined && parsed !== null && typeof parsed === 'object' && !Buffer.isBuffer(parsed)) return parsed;
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new BodyTooLargeError(limit);
  if (req.readableEnded) return '';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) throw new BodyTooLargeError(limit);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The body as a JSON object (an empty body is `{}`). */
export async function readJsonObject(req: IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  const body = await readBody(req, limit);
  return typeof body === 'object' ? (body as Record<string, unknown>) : parseJsonObject(body);
}

function parseJsonObject(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BadRequestError('The request body is not valid JSON.');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new BadRequestError('The request body must be a JSON object.');
  }
  return value as Record<string, unknown>;
}

/** A form body (`application/x-www-form-urlencoded`) or a JSON object, as strings. */
export async function readForm(req: IncomingMessage, limit: number): Promise<Record<string, string>> {
  const body = await readBody(req, limit);
  const out: Record<string, string> = {};
  const entries =
    typeof body === 'object'
      ? Object.entries(body)
      : (req.headers['content-type'] ?? '').includes('application/json')
        ? Object.entries(parseJsonObject(body))
        : [...new URLSearchParams(body)];
  for (const [key, value] of entries) if (typeof value === 'string') out[key] = value;
  return out;
}
