import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { MonitorAuth } from './options.ts';

/** Name of the session cookie `/login` sets. */
export const SESSION_COOKIE = 'celeriac_monitor';
/** The header that marks a request as sent by script from the monitor's own page (CSRF guard). */
export const CSRF_HEADER = 'x-celeriac-csrf';
const REALM = 'Celeriac monitor';

/** Outcome of checking a request's credentials. */
export type AuthOutcome =
  | { ok: true }
  | { ok: false; status: 401 | 403; message: string; headers: Record<string, string> };

/** Equal-time comparison of two secrets of any length (hashed first, so lengths leak nothing). */
export function safeEqual(a: string | Buffer, b: string | Buffer): boolean {
  const digest = (value: string | Buffer) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(a), digest(b));
}

function cookieValue(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** True when the request came over TLS (directly or through a proxy that says so). */
function isHttps(req: IncomingMessage): boolean {
  const socket = req.socket as { encrypted?: boolean };
  return socket.encrypted === true || req.headers['x-forwarded-proto'] === 'https';
}

/**
 * Credentials of the monitor: `Authorization` headers (Bearer or Basic), the signed session cookie
 * that `/login` sets, or the caller's own function.
 */
export class Authenticator {
  readonly #auth: MonitorAuth | undefined;
  readonly #secret: Buffer;
  readonly #ttl: number;

  constructor(auth: MonitorAuth | undefined, options: { secret?: string | Buffer; ttl?: number } = {}) {
    this.#auth = auth;
    this.#secret = options.secret === undefined ? randomBytes(32) : Buffer.from(options.secret);
    this.#ttl = options.ttl ?? 43_200;
  }

  /** `none`, `token`, `basic` (username and password) or `function`. */
  get kind(): 'none' | 'token' | 'basic' | 'function' {
    const auth = this.#auth;
    if (auth === undefined) return 'none';
    if (typeof auth === 'function') return 'function';
    return 'token' in auth ? 'token' : 'basic';
  }

  /** Whether the request may use the monitor. */
  async check(req: IncomingMessage): Promise<AuthOutcome> {
    const auth = this.#auth;
    if (auth === undefined) return { ok: true };
    const header = req.headers.authorization;
    if (typeof auth === 'function') {
      let allowed = false;
      try {
        allowed = (await auth(req)) === true;
      } catch {
        allowed = false;
      }
      if (allowed) return { ok: true };
      return header === undefined ? this.#missing(req) : this.#wrong();
    }
    if (header !== undefined && header !== '') return this.#checkHeader(header) ? { ok: true } : this.#wrong();
    const session = cookieValue(req, SESSION_COOKIE);
    if (session !== undefined && this.#validSession(session)) return { ok: true };
    return this.#missing(req);
  }

  /** Whether a login form's fields match the configured credentials. */
  verifyLogin(fields: Record<string, string>): boolean {
    const auth = this.#auth;
    if (auth === undefined || typeof auth === 'function') return false;
    if ('token' in auth) return safeEqual(fields.token ?? '', auth.token);
    // Both compared, always, so the time taken does not tell which was wrong.
    const user = safeEqual(fields.username ?? '', auth.username);
    const pass = safeEqual(fields.password ?? '', auth.password);
    return user && pass;
  }

  /** `Set-Cookie` value of a fresh session, scoped to the mount point. */
  sessionCookie(req: IncomingMessage, mount: string): string {
    const expires = Math.floor(Date.now() / 1000) + this.#ttl;
    const payload = `${expires}.${randomBytes(12).toString('base64url')}`;
    const value = `${payload}.${this.#sign(payload)}`;
    return this.#cookie(req, mount, value, this.#ttl);
  }

  /** `Set-Cookie` value that ends the session. */
  clearCookie(req: IncomingMessage, mount: string): string {
    return this.#cookie(req, mount, '', 0);
  }

  #cookie(req: IncomingMessage, mount: string, value: string, maxAge: number): string {
    const secure = isHttps(req) ? '; Secure' : '';
    return `${SESSION_COOKIE}=${value}; Path=${mount === '' ? '/' : mount}; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure}`;
  }

  #sign(payload: string): string {
    return createHmac('sha256', this.#secret).update(payload).digest('base64url');
  }

  #validSession(value: string): boolean {
    const dot = value.lastIndexOf('.');
    if (dot === -1) return false;
    const payload = value.slice(0, dot);
    const signature = Buffer.from(value.slice(dot + 1));
    const expected = Buffer.from(this.#sign(payload));
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) return false;
    const expires = Number(payload.slice(0, payload.indexOf('.')));
    return Number.isFinite(expires) && expires * 1000 > Date.now();
  }

  #checkHeader(header: string): boolean {
    const auth = this.#auth as { token: string } | { username: string; password: string };
    const space = header.indexOf(' ');
    const scheme = header.slice(0, space === -1 ? header.length : space).toLowerCase();
    const credentials = space === -1 ? '' : header.slice(space + 1).trim();
    if (scheme === 'bearer') return 'token' in auth && safeEqual(credentials, auth.token);
    if (scheme !== 'basic') return false;
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon === -1) return false;
    const username = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    // With a token, Basic carries it as the password (any user name): Prometheus' basic_auth, curl -u.
    if ('token' in auth) return safeEqual(password, auth.token);
    return this.verifyLogin({ username, password });
  }

  #missing(req: IncomingMessage): AuthOutcome {
    const headers: Record<string, string> = {};
    // The dashboard's own requests get no challenge, or the browser would pop its Basic dialog.
    if (req.headers[CSRF_HEADER] === undefined) {
      if (this.kind === 'basic') headers['WWW-Authenticate'] = `Basic realm="${REALM}", charset="UTF-8"`;
      else if (this.kind === 'token') headers['WWW-Authenticate'] = `Bearer realm="${REALM}"`;
    }
    return { ok: false, status: 401, message: 'Authentication required.', headers };
  }

  #wrong(): AuthOutcome {
    return { ok: false, status: 403, message: 'These credentials are not allowed.', headers: {} };
  }
}
