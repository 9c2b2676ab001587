import type { Monitor } from '@celeriac/monitor-http';
import middie from '@fastify/middie';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { CompanyOn } from './company-on.ts';
import { describeError, HttpError } from './http-errors.ts';
import { chatRoutes } from './routes/chat.ts';
import { pageRoutes } from './routes/page.ts';
import { type OpenStreams, progressStreamRoutes } from './routes/progress-stream.ts';
import { taskRoutes } from './routes/tasks.ts';
import { uploadRoutes } from './routes/uploads.ts';
import { UploadEventLog } from './upload-events.ts';

/** Options of `createCompanyOnServer`. */
export interface ServerOptions {
  /** Mounted at `/monitor` when given (created without `basePath`: middie strips the prefix). */
  monitor?: Monitor;
  /** How long `POST /chat/:sessionId` waits for the answer, in ms. @default 30000 */
  chatTimeoutMs?: number;
  /** SSE keep-alive comment interval, in ms. @default 15000 */
  keepAliveMs?: number;
}

/** The HTTP service: a Fastify instance plus the upload event log it streams from. */
export interface CompanyOnServer {
  /** Not listening yet: `await server.fastify.listen({ port, host })`. */
  fastify: FastifyInstance;
  events: UploadEventLog;
  /** The open `GET /uploads/:id/events` streams. */
  progressStreams: OpenStreams;
  /** End open SSE streams, stop listening to the cluster's events, and close the server. */
  close(): Promise<void>;
}

/** Build the Company-on HTTP service (Fastify) on top of `createCompanyOn()`'s app and pipeline. */
export async function createCompanyOnServer(service: CompanyOn, options: ServerOptions = {}): Promise<CompanyOnServer> {
  // forceCloseConnections: close() also ends the monitor's open event streams and idle keep-alives.
  const logger: FastifyBaseLogger = service.logger;
  const fastify = Fastify({ loggerInstance: logger, forceCloseConnections: true });
  const events = new UploadEventLog(service.app);

  fastify.setErrorHandler((error, request, reply) => {
    const { status, message } = describeError(error);
    if (status >= 500) request.log.error({ err: error, url: request.url }, 'request failed');
    return reply.code(status).send({ error: message });
  });
  fastify.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: `No route for ${request.method} ${request.url.split('?')[0]}.` }),
  );
  fastify.addHook('onSend', async (_request, reply, payload) => {
    if (String(reply.getHeader('content-type') ?? '').startsWith('application/json')) {
      reply.header('cache-control', 'no-store');
    }
    return payload;
  });

  // One byte over the cap, so the storage sees the overflow and answers with its FileTooLargeError.
  await fastify.register(multipart, { limits: { files: 1, fields: 20, fileSize: service.maxUploadBytes + 1 } });
  if (options.monitor !== undefined) {
    // The monitor is a Connect-style handler that reads its own request body: middie runs it before
    // Fastify parses anything, as the monitor's README documents for Fastify.
    await fastify.register(middie);
    fastify.use('/monitor', options.monitor.handler);
  } else {
    const notMounted = async (): Promise<never> => {
      throw new HttpError(404, 'The monitor is not mounted in this process.');
    };
    fastify.all('/monitor', notMounted);
    fastify.all('/monitor/*', notMounted);
  }

  pageRoutes(fastify);
  uploadRoutes(fastify, service, events);
  const progressStreams = progressStreamRoutes(fastify, service, events, options.keepAliveMs ?? 15_000);
  taskRoutes(fastify, service);
  chatRoutes(fastify, service, options.chatTimeoutMs ?? 30_000);

  return {
    fastify,
    events,
    progressStreams,
    async close() {
      progressStreams.endAll();
      events.close();
      await fastify.close();
    },
  };
}
