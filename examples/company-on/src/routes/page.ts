import type { FastifyInstance } from 'fastify';
import { PAGE_HTML, PAGE_SCRIPT } from '../page.ts';

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** The web page at `/`, its script at `/app.js` (same-origin scripts only), and `/healthz`. */
export function pageRoutes(fastify: FastifyInstance): void {
  fastify.get('/', async (_request, reply) =>
    reply
      .headers({
        ...SECURITY_HEADERS,
        'content-security-policy': "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
      })
      .type('text/html; charset=utf-8')
      .send(PAGE_HTML),
  );
  fastify.get('/app.js', async (_request, reply) =>
    reply.headers(SECURITY_HEADERS).type('text/javascript; charset=utf-8').send(PAGE_SCRIPT),
  );
  fastify.get('/healthz', async () => ({ ok: true }));
}
