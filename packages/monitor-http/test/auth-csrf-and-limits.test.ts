import { Celeriac, ConfigError } from '@celeriac/core';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor } from '../src/index.ts';
import { call, type Fixture, startFixture, uniqueMemoryUrl } from './helpers.ts';

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

function sessionCookie(setCookie: string | null): string {
  expect(setCookie).toBeTruthy();
  return setCookie!.split(';')[0]!;
}

describe('monitor security', () => {
  let f: Fixture | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  it('with a token: 401 without credentials, 403 with wrong ones, 200 with the token (Bearer or Basic)', async () => {
    f = await startFixture({ monitor: { auth: { token: 's3cret' } } });
    for (const path of ['api/workers?inspect=0', 'api/tasks', 'events', 'metrics', 'healthcheck', 'api/tasks/x']) {
      const res = await call(f.url, path, { csrf: false });
      expect(res.status, path).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="Celeriac monitor"');
    }
    expect((await call(f.url, 'api/tasks', { token: 'wrong' })).status).toBe(403);
    expect((await call(f.url, 'api/tasks', { token: 's3cret' })).status).toBe(200);
    expect((await call(f.url, 'api/tasks', { headers: { Authorization: basic('any', 's3cret') } })).status).toBe(200);
    expect((await call(f.url, 'api/tasks', { headers: { Authorization: 'Digest abc' } })).status).toBe(403);
    // The dashboard sends to the login form instead of a 401; its assets and the login page are public.
    const page = await call(f.url, '', { csrf: false });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('login');
    expect((await call(f.url, 'login')).status).toBe(200);
    expect((await call(f.url, 'assets/app.js')).status).toBe(200);
  });

  it('with a user name and password: Basic auth with a WWW-Authenticate challenge', async () => {
    f = await startFixture({ monitor: { auth: { username: 'ops', password: 'pa:ss' } } });
    const missing = await call(f.url, 'api/tasks', { csrf: false });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Basic realm="Celeriac monitor", charset="UTF-8"');
    // The dashboard's own requests get no challenge, so the browser shows no Basic dialog.
    expect((await call(f.url, 'api/tasks')).headers.get('www-authenticate')).toBeNull();
    expect((await call(f.url, 'api/tasks', { headers: { Authorization: basic('ops', 'nope') } })).status).toBe(403);
    expect((await call(f.url, 'api/tasks', { headers: { Authorization: basic('ops', 'pa:ss') } })).status).toBe(200);
    expect((await call(f.url, 'api/tasks', { token: 'pa:ss' })).status).toBe(403);
  });

  it('a browser signs in at /login and gets an HttpOnly, SameSite=Strict session cookie scoped to the mount', async () => {
    f = await startFixture({ monitor: { auth: { username: 'ops', password: 'pw' } } });
    const login = (body: string) =>
      fetch(new URL('login', f!.url), {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body,
        redirect: 'manual',
      });
    const wrong = await login('username=ops&password=bad');
    expect(wrong.status).toBe(303);
    expect(wrong.headers.get('location')).toBe('login?failed=1');
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const right = await login('username=ops&password=pw');
    expect(right.status).toBe(303);
    expect(right.headers.get('location')).toBe('./');
    const setCookie = right.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^celeriac_monitor=[^;]+; Path=\/; Max-Age=43200; HttpOnly; SameSite=Strict$/);
    const cookie = sessionCookie(setCookie);
    expect((await call(f.url, 'api/tasks', { headers: { Cookie: cookie } })).status).toBe(200);
    expect((await call(f.url, '', { headers: { Cookie: cookie } })).status).toBe(200);
    // A forged or altered cookie is no session.
    const forged = `${cookie.slice(0, -2)}xx`;
    expect((await call(f.url, 'api/tasks', { headers: { Cookie: forged } })).status).toBe(401);
    const other = await startFixture({ monitor: { auth: { username: 'ops', password: 'pw' } } });
    try {
      // Each monitor signs with its own random secret.
      expect((await call(other.url, 'api/tasks', { headers: { Cookie: cookie } })).status).toBe(401);
    } finally {
      await other.close();
    }
    // Signing out needs the dashboard's header, and clears the cookie.
    expect((await call(f.url, 'logout', { method: 'POST', csrf: false, headers: { Cookie: cookie } })).status).toBe(
      403,
    );
    const out = await call(f.url, 'logout', { method: 'POST', headers: { Cookie: cookie } });
    expect(out.headers.get('set-cookie')).toMatch(/^celeriac_monitor=; Path=\/; Max-Age=0;/);
  });

  it('an auth function decides per request', async () => {
    f = await startFixture({ monitor: { auth: async (req) => req.headers['x-team'] === 'ops' } });
    expect((await call(f.url, 'api/tasks')).status).toBe(401);
    expect((await call(f.url, 'api/tasks', { headers: { 'X-Team': 'ops' } })).status).toBe(200);
    expect((await call(f.url, 'api/tasks', { headers: { 'X-Team': 'dev', Authorization: 'Bearer x' } })).status).toBe(
      403,
    );
  });

  it('actions need POST with the CSRF header: 403 without it, 405 with GET', async () => {
    f = await startFixture({ monitor: { auth: { token: 't' } } });
    const sent = await f.app.sendTask('demo.add', [1, 2], { countdown: 60 });
    const revoke = `api/tasks/${sent.id}/revoke`;
    const noCsrf = await call(f.url, revoke, { method: 'POST', token: 't', csrf: false });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.json.error.message).toContain('x-celeriac-csrf');
    expect((await call(f.url, revoke, { token: 't' })).status).toBe(405);
    expect((await call(f.url, revoke, { method: 'POST', csrf: false })).status).toBe(401);
    expect((await call(f.url, 'api/queues/default/purge', { method: 'POST', token: 't', csrf: false })).status).toBe(
      403,
    );
    expect((await call(f.url, revoke, { method: 'POST', token: 't' })).status).toBe(202);
    expect(await sent.state()).toBe('REVOKED');
  });

  it('readOnly refuses every action with 403 and still serves reads', async () => {
    f = await startFixture({ monitor: { readOnly: true } });
    const sent = await f.app.sendTask('demo.add', [1, 2], { countdown: 60 });
    for (const [method, path] of [
      ['POST', `api/tasks/${sent.id}/revoke`],
      ['POST', `api/tasks/${sent.id}/retry`],
      ['POST', 'api/queues/default/purge'],
      ['POST', 'api/tasks/demo.add/rate-limit'],
      ['DELETE', 'api/queues/default/dead-letters/x'],
    ] as const) {
      const res = await call(f.url, path, { method });
      expect(res.status, path).toBe(403);
      expect(res.json.error.message).toBe('This monitor is read-only.');
    }
    expect(await sent.state()).toBe('PENDING');
    expect((await call(f.url, 'api/tasks')).status).toBe(200);
    expect((await call(f.url, 'api/config')).json.readOnly).toBe(true);
  });

  it('publicHealthcheck lets /healthcheck through without credentials, nothing else', async () => {
    f = await startFixture({ monitor: { auth: { token: 't' }, publicHealthcheck: true } });
    expect((await call(f.url, 'healthcheck')).status).toBe(200);
    expect((await call(f.url, 'metrics')).status).toBe(401);
  });

  it('caps request bodies (413) and rejects bad JSON (400)', async () => {
    f = await startFixture({ monitor: { maxBodyBytes: 1024 } });
    const sent = await f.app.sendTask('demo.add', [1, 2], { countdown: 60 });
    const big = await call(f.url, `api/tasks/${sent.id}/revoke`, { method: 'POST', body: { pad: 'x'.repeat(2000) } });
    expect(big.status).toBe(413);
    const bad = await call(f.url, `api/tasks/${sent.id}/revoke`, { method: 'POST', body: '{nope' });
    expect(bad.status).toBe(400);
    expect(await sent.state()).toBe('PENDING');
  });

  it('answers 404 for unknown paths and security headers on every response', async () => {
    f = await startFixture();
    const res = await call(f.url, 'api/nothing');
    expect(res.status).toBe(404);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const page = await call(f.url, '');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
  });
});

describe('listen()', () => {
  const app = new Celeriac({ broker: uniqueMemoryUrl(), logger: pino({ level: 'silent' }) });

  it('refuses a non-loopback host without auth, naming the options', async () => {
    const monitor = createMonitor(app);
    const refusal = monitor.listen(0, '0.0.0.0');
    await expect(refusal).rejects.toThrow(ConfigError);
    await expect(refusal).rejects.toThrow(/`auth`.*`insecure: true`/);
    await monitor.close();
  });

  it('serves on loopback by default, and on any host with auth or insecure', async () => {
    const monitor = createMonitor(app);
    const local = await monitor.listen(0);
    expect(local.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    await local.close();
    const insecure = createMonitor(app, { insecure: true });
    const open = await insecure.listen(0, '0.0.0.0');
    expect(open.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+\/$/);
    await insecure.close();
    const guarded = createMonitor(app, { auth: { token: 't' } });
    await (await guarded.listen(0, '0.0.0.0')).close();
    await guarded.close();
    await monitor.close();
    await app.close();
  });
});
