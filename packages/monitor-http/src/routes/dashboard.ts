import { readFile } from 'node:fs/promises';
import { CSRF_HEADER } from '../auth.ts';
import type { Route, RouteCall } from '../context.ts';
import { readForm } from '../http/request.ts';
import { CONTENT_SECURITY_POLICY, redirect, send, sendError } from '../http/response.ts';

/** The dashboard's files, beside `src/` and `dist/` in the package (no build step). */
const DASHBOARD_DIR = new URL('../../dashboard/', import.meta.url);
const JS = 'text/javascript; charset=utf-8';
/** The files `assets/` serves, and nothing else. */
const ASSETS: Record<string, string> = {
  'app.js': JS,
  'api.js': JS,
  'charts.js': JS,
  'cluster.js': JS,
  'detail.js': JS,
  'dom.js': JS,
  'state.js': JS,
  'stream.js': JS,
  'tasks.js': JS,
  'style.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};
/** Failed sign-ins answer after this delay, to slow guessing. */
const FAILED_LOGIN_DELAY_MS = 300;

const files = new Map<string, Promise<Buffer>>();

function dashboardFile(name: string): Promise<Buffer> {
  let file = files.get(name);
  if (file === undefined) {
    file = readFile(new URL(name, DASHBOARD_DIR));
    file.catch(() => files.delete(name));
    files.set(name, file);
  }
  return file;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escape text for HTML (the login page is the only HTML built on the server). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

function loginPage(kind: string, failed: boolean): string {
  const fields =
    kind === 'token'
      ? '<label>Token <input name="token" type="password" autocomplete="current-password" required autofocus></label>'
      : '<label>User name <input name="username" autocomplete="username" required autofocus></label>' +
        '<label>Password <input name="password" type="password" autocomplete="current-password" required></label>';
  const body =
    kind === 'function'
      ? '<p>This monitor uses the sign-in of the service it is mounted in.</p>'
      : `${failed ? `<p class="login-error" role="alert">${escapeHtml('Wrong credentials.')}</p>` : ''}` +
        `<form method="post" action="login" class="login-form">${fields}<button type="submit">Sign in</button></form>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Celeriac monitor</title><link rel="stylesheet" href="assets/style.css"><link rel="icon" href="assets/favicon.svg"></head>
<body class="login"><main class="login-box"><h1>Celeriac monitor</h1>${body}</main></body></html>`;
}

function sendHtml(call: RouteCall, status: number, html: string | Buffer, headers: Record<string, string> = {}): void {
  send(call.res, status, html, 'text/html; charset=utf-8', {
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    ...headers,
  });
}

export const dashboardRoutes: Route[] = [
  {
    method: 'GET',
    pattern: '/',
    async handle(call) {
      sendHtml(call, 200, await dashboardFile('index.html'));
    },
  },
  {
    method: 'GET',
    pattern: '/assets/:file',
    public: true,
    async handle({ res, params }) {
      const type = ASSETS[params.file!];
      if (type === undefined) return send(res, 404, 'Not found', 'text/plain; charset=utf-8');
      send(res, 200, await dashboardFile(params.file!), type, { 'Cache-Control': 'no-cache' });
    },
  },
  {
    method: 'GET',
    pattern: '/login',
    public: true,
    handle(call) {
      if (call.ctx.auth.kind === 'none') return redirect(call.res, './');
      sendHtml(call, 200, loginPage(call.ctx.auth.kind, call.query.has('failed')));
    },
  },
  {
    method: 'POST',
    pattern: '/login',
    public: true,
    async handle(call) {
      const { req, res, ctx, mount } = call;
      const fields = await readForm(req, ctx.settings.maxBodyBytes);
      if (!ctx.auth.verifyLogin(fields)) {
        await new Promise((resolve) => setTimeout(resolve, FAILED_LOGIN_DELAY_MS));
        return redirect(res, 'login?failed=1');
      }
      redirect(res, './', { 'Set-Cookie': ctx.auth.sessionCookie(req, mount) });
    },
  },
  {
    method: 'POST',
    pattern: '/logout',
    public: true,
    handle({ req, res, ctx, mount }) {
      // Only the dashboard's own script may sign out (a cross-site form cannot set this header).
      if (req.headers[CSRF_HEADER] === undefined) return sendError(res, 403, `Missing the ${CSRF_HEADER} header.`);
      redirect(res, 'login', { 'Set-Cookie': ctx.auth.clearCookie(req, mount) });
    },
  },
];
