import type { ServerResponse } from 'node:http';

/** Headers every monitor response carries: no sniffing, no framing, no referrer leaks, no caching. */
const COMMON_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

/** The dashboard loads only its own files and talks only to its own origin. */
export const CONTENT_SECURITY_POLICY: string =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export function send(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  contentType: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, {
    ...COMMON_HEADERS,
    'Content-Type': contentType,
    'Content-Length': String(Buffer.byteLength(body)),
    ...headers,
  });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers?: Record<string, string>): void {
  send(res, status, JSON.stringify(value), 'application/json; charset=utf-8', headers);
}

/** A JSON error body `{ error: { status, message } }`. */
export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  headers?: Record<string, string>,
): void {
  sendJson(res, status, { error: { status, message } }, headers);
}

/** A redirect to a URL relative to the current one (so any mount prefix works). */
export function redirect(res: ServerResponse, location: string, headers: Record<string, string> = {}): void {
  send(res, 303, '', 'text/plain; charset=utf-8', { Location: location, ...headers });
}

export function commonHeaders(): Record<string, string> {
  return { ...COMMON_HEADERS };
}
