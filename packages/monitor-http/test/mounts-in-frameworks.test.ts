import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import middie from '@fastify/middie';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMonitor, type Monitor } from '../src/index.ts';
import { call, type Fixture, startFixture } from './helpers.ts';

const TOKEN = 'mount-token';

/** Start a server of one framework with the monitor under /monitor and its own GET /hello. */
type Mount = (monitor: Monitor) => Promise<{ base: string; close(): Promise<void> }>;

function urlOf(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

async function listen(server: Server): Promise<void> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
}

const mounts: Record<string, { basePath?: string; mount: Mount }> = {
  express: {
    async mount(monitor) {
      const app = express();
      app.use('/monitor', monitor.handler);
      app.get('/hello', (_req, res) => {
        res.send('hello from express');
      });
      const server = createServer(app);
      await listen(server);
      return { base: urlOf(server), close: () => closeServer(server) };
    },
  },
  fastify: {
    async mount(monitor) {
      const app = Fastify();
      await app.register(middie);
      app.use('/monitor', monitor.handler);
      app.get('/hello', async () => 'hello from fastify');
      await app.listen({ port: 0, host: '127.0.0.1' });
      return { base: urlOf(app.server), close: () => app.close() };
    },
  },
  koa: {
    basePath: '/monitor',
    async mount(monitor) {
      const app = new Koa();
      app.use(async (ctx, next) => {
        if (ctx.path !== '/monitor' && !ctx.path.startsWith('/monitor/')) return next();
        ctx.respond = false; // the monitor writes the Node response itself
        await monitor.handler(ctx.req, ctx.res);
      });
      app.use((ctx) => {
        if (ctx.path === '/hello') ctx.body = 'hello from koa';
      });
      const server = createServer(app.callback());
      await listen(server);
      return { base: urlOf(server), close: () => closeServer(server) };
    },
  },
  'node:http': {
    basePath: '/monitor',
    async mount(monitor) {
      const server = createServer((req, res) => {
        const path = (req.url ?? '/').split('?')[0]!;
        if (path === '/monitor' || path.startsWith('/monitor/')) return void monitor.handler(req, res);
        res.end(path === '/hello' ? 'hello from node:http' : 'not found');
      });
      await listen(server);
      return { base: urlOf(server), close: () => closeServer(server) };
    },
  },
};

describe.each(Object.entries(mounts))('the monitor mounted under /monitor in %s', (framework, { basePath, mount }) => {
  let f: Fixture;
  let monitor: Monitor;
  let server: { base: string; close(): Promise<void> };
  let base: string;

  beforeEach(async () => {
    f = await startFixture();
    monitor = createMonitor(f.app, { auth: { token: TOKEN }, basePath, inspectTimeout: 300 });
    server = await mount(monitor);
    base = new URL('monitor/', server.base).href;
  });
  afterEach(async () => {
    await monitor.close();
    await server.close();
    await f.close();
  });

  it('serves the API, the dashboard and its assets under the prefix, and leaves other routes alone', async () => {
    const result = await f.app.sendTask('demo.add', [20, 22]);
    await result.get({ timeout: 5000 });
    const tasks = await call(base, 'api/tasks', { token: TOKEN });
    expect(tasks.status, tasks.text).toBe(200);
    expect(tasks.json.tasks.map((t: { id: string }) => t.id)).toContain(result.id);
    const page = await call(base, '', { token: TOKEN });
    expect(page.status).toBe(200);
    expect(page.text).toContain('<script type="module" src="assets/app.js">');
    expect((await call(base, 'assets/style.css')).status).toBe(200);
    // Without the trailing slash, relative URLs would resolve above the mount: redirect to it.
    const bare = await call(server.base, 'monitor?x=1', { token: TOKEN });
    expect(bare.status).toBe(303);
    expect(new URL(bare.headers.get('location')!, new URL('monitor?x=1', server.base)).href).toBe(`${base}?x=1`);
    const hello = await fetch(new URL('hello', server.base));
    expect(await hello.text()).toBe(`hello from ${framework}`);
  });

  it('takes actions with the CSRF header and refuses them without', async () => {
    const waiting = await f.app.sendTask('demo.add', [1, 1], { countdown: 60 });
    const path = `api/tasks/${waiting.id}/revoke`;
    expect((await call(base, path, { method: 'POST', token: TOKEN, csrf: false })).status).toBe(403);
    expect((await call(base, path, { method: 'POST', token: TOKEN, body: { terminate: false } })).status).toBe(202);
    expect(await waiting.state()).toBe('REVOKED');
    expect((await call(base, 'api/tasks', { csrf: false })).status).toBe(401);
  });

  it('signs a browser in with a cookie scoped to the mount path', async () => {
    const res = await fetch(new URL('login', base), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `token=${TOKEN}`,
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('./');
    const setCookie = res.headers.get('set-cookie')!;
    expect(setCookie).toContain('; Path=/monitor;');
    const cookie = setCookie.split(';')[0]!;
    expect((await call(base, 'api/config', { headers: { Cookie: cookie } })).json).toMatchObject({ auth: 'token' });
  });

  it('streams events under the prefix', async () => {
    const controller = new AbortController();
    const res = await fetch(new URL('events?type=task-succeeded', base), {
      headers: { Authorization: `Bearer ${TOKEN}` },
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = res.body!.getReader();
    const sent = await f.app.sendTask('demo.add', [2, 3]);
    let text = '';
    while (!text.includes('"task-succeeded"')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    controller.abort();
    expect(text).toContain(`"taskId":"${sent.id}"`);
  });
});
