import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { TaskFailedError, TimeoutError } from '@celeriac/core';
import type { Monitor } from '@celeriac/monitor-http';
import { DocumentPipelineError, FileTooLargeError, parseStageFailure } from '@celeriac/pipeline-documents';
import type { CompanyOn } from './company-on.ts';
import { HttpError, readJson, safeId, sendJson } from './http-util.ts';
import { receiveFile } from './multipart.ts';
import { PAGE_HTML, PAGE_SCRIPT } from './page.ts';
import { isFinal, type NumberedEvent, UploadEventLog } from './upload-events.ts';

/** Options of `createCompanyOnServer`. */
export interface ServerOptions {
  /** Mounted at `/monitor` when given. */
  monitor?: Monitor;
  /** How long `POST /chat/:sessionId` waits for the answer, in ms. @default 30000 */
  chatTimeoutMs?: number;
  /** SSE keep-alive comment interval, in ms. @default 15000 */
  keepAliveMs?: number;
}

/** The HTTP service: a `node:http` server plus the upload event log it streams from. */
export interface CompanyOnServer {
  server: Server;
  events: UploadEventLog;
  handler(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Stop accepting, end open SSE streams, and stop listening to the cluster's events. */
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** Build the Company-on HTTP service on top of `createCompanyOn()`'s app and pipeline. */
export function createCompanyOnServer(service: CompanyOn, options: ServerOptions = {}): CompanyOnServer {
  const { app, storage, pipeline } = service;
  const events = new UploadEventLog(app);
  const chatTimeout = options.chatTimeoutMs ?? 30_000;
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  const streams = new Set<ServerResponse>();

  async function upload(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const meta = await receiveFile(req, 'file', service.maxUploadBytes, (file) =>
      storage.save({ filename: file.filename, mimeType: file.mimeType, data: file.stream }),
    );
    sendJson(res, 201, { upload_id: meta.id, filename: meta.filename, size: meta.size });
  }

  async function start(res: ServerResponse, uploadId: string): Promise<void> {
    if ((await storage.meta(uploadId)) === undefined) throw new HttpError(404, `No upload ${uploadId}.`);
    const { result } = await pipeline.start(uploadId);
    events.track(uploadId, result.id);
    sendJson(res, 202, { message: 'Processing started', upload_id: uploadId, task_id: result.id });
  }

  async function stream(req: IncomingMessage, res: ServerResponse, uploadId: string): Promise<void> {
    if ((await storage.meta(uploadId)) === undefined) throw new HttpError(404, `No upload ${uploadId}.`);
    const lastEventId = Number(req.headers['last-event-id'] ?? 0) || 0;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    streams.add(res);
    let finished = false;
    const write = (entry: NumberedEvent): void => {
      if (finished) return;
      res.write(`id: ${entry.id}\nevent: progress\ndata: ${JSON.stringify(entry.data)}\n\n`);
      if (isFinal(entry.data)) end();
    };
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), keepAliveMs);
    const unsubscribe = events.subscribe(uploadId, write);
    const end = (): void => {
      if (finished) return;
      finished = true;
      clearInterval(keepAlive);
      unsubscribe();
      streams.delete(res);
      res.end();
    };
    res.on('close', end);
    if (events.knows(uploadId)) {
      for (const entry of events.replay(uploadId, lastEventId)) write(entry);
      return;
    }
    // This process never saw the upload's attempt (restarted, or started elsewhere): ask the backend.
    const snapshot = await events.snapshot(app, storage, uploadId);
    if (snapshot !== undefined && isFinal(snapshot)) write({ id: 1, data: snapshot });
    else if (snapshot !== undefined) {
      events.track(uploadId, snapshot.task_id);
      if (!finished) res.write(`data: ${JSON.stringify(snapshot)}\n\n`);
    }
  }

  async function task(res: ServerResponse, taskId: string): Promise<void> {
    const result = app.result(taskId);
    const state = await result.state();
    const info = await result.info();
    const body: Record<string, unknown> = { task_id: taskId, state };
    if (state === 'FAILURE' && info !== null && typeof info === 'object' && 'message' in info) {
      const failure = parseStageFailure(info as { name: string; message: string });
      body.error = { name: failure.name, stage: failure.stage ?? null, reason: failure.reason };
    } else if (state === 'SUCCESS') body.result = info;
    else body.meta = info;
    sendJson(res, 200, body);
  }

  async function chat(req: IncomingMessage, res: ServerResponse, sessionId: string): Promise<void> {
    const body = (await readJson(req)) as { question?: unknown; upload_ids?: unknown };
    const question = typeof body.question === 'string' ? body.question.trim() : '';
    if (question === '') throw new HttpError(400, 'Send { "question": "…" } with a non-empty question.');
    let uploadIds: string[] | null = null;
    if (body.upload_ids !== undefined && body.upload_ids !== null) {
      if (!Array.isArray(body.upload_ids) || !body.upload_ids.every((id) => typeof id === 'string'))
        throw new HttpError(400, '"upload_ids" must be an array of upload ids.');
      uploadIds = body.upload_ids.map((id: string) => safeId('upload', id));
    }
    const result = await pipeline.tasks.answer.delay(sessionId, question, uploadIds);
    try {
      const answer = await result.get({ timeout: chatTimeout });
      sendJson(res, 200, { answer: answer.answer, sources: answer.sources, task_id: result.id });
    } catch (error) {
      if (error instanceof TimeoutError) {
        sendJson(res, 504, {
          error: `No answer within ${chatTimeout / 1000} s; poll /tasks/${result.id}.`,
          task_id: result.id,
        });
        return;
      }
      throw error;
    }
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path === '/monitor' || path.startsWith('/monitor/')) {
      if (options.monitor === undefined) throw new HttpError(404, 'The monitor is not mounted in this process.');
      await options.monitor.handler(req, res);
      return;
    }
    const dynamic: [string, RegExp, (id: string) => Promise<void>][] = [
      ['POST', /^\/start\/([^/]+)$/, (id) => start(res, safeId('upload', id))],
      ['GET', /^\/uploads\/([^/]+)\/events$/, (id) => stream(req, res, safeId('upload', id))],
      ['GET', /^\/tasks\/([^/]+)$/, (id) => task(res, safeId('task', id))],
      ['POST', /^\/chat\/([^/]+)$/, (id) => chat(req, res, safeId('session', id))],
    ];
    if (method === 'GET' && path === '/') {
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
      });
      res.end(PAGE_HTML);
      return;
    }
    if (method === 'GET' && path === '/app.js') {
      res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/javascript; charset=utf-8' });
      res.end(PAGE_SCRIPT);
      return;
    }
    if (method === 'GET' && path === '/healthz') return sendJson(res, 200, { ok: true });
    if (method === 'POST' && path === '/uploads') return upload(req, res);
    for (const [verb, pattern, serve] of dynamic) {
      const id = pattern.exec(path)?.[1];
      if (verb === method && id !== undefined) return serve(decodeURIComponent(id));
    }
    throw new HttpError(404, `No route for ${method} ${path}.`);
  }

  async function handler(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await route(req, res);
    } catch (error) {
      let status = 500;
      let message = 'Internal error.';
      if (error instanceof HttpError) [status, message] = [error.status, error.message];
      else if (error instanceof FileTooLargeError) [status, message] = [413, error.message];
      else if (error instanceof DocumentPipelineError) [status, message] = [400, error.message];
      else if (error instanceof TaskFailedError)
        [status, message] = [502, `${error.remote.name}: ${error.remote.message}`];
      else if (error instanceof URIError) [status, message] = [400, 'Malformed URL.'];
      if (status === 500) service.logger.error({ err: error, url: req.url }, 'request failed');
      if (res.headersSent) res.destroy();
      else sendJson(res, status, { error: message });
    }
  }

  const server = createServer((req, res) => void handler(req, res));
  return {
    server,
    events,
    handler,
    async close() {
      for (const res of streams) res.end();
      events.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
