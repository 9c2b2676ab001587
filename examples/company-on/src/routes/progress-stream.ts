import type { FastifyInstance } from 'fastify';
import type { CompanyOn } from '../company-on.ts';
import { HttpError, safeId } from '../http-errors.ts';
import { isFinal, type NumberedEvent, type UploadEventLog } from '../upload-events.ts';

/** The open progress streams, so the server can end them when it closes. */
export interface OpenStreams {
  /** How many clients are connected now. */
  readonly size: number;
  endAll(): void;
}

/**
 * `GET /uploads/:id/events`: Server-Sent Events of the upload's current attempt: its history (each
 * with an `id:` line; `Last-Event-ID` skips what the client saw), then live events, and the end of
 * the stream after SUCCESS or FAILURE. The reply is hijacked: the stream is written to Node's
 * response, and a client that goes away unsubscribes at once.
 */
export function progressStreamRoutes(
  fastify: FastifyInstance,
  service: CompanyOn,
  events: UploadEventLog,
  keepAliveMs: number,
): OpenStreams {
  const { app, storage } = service;
  const open = new Set<() => void>();

  fastify.get<{ Params: { id: string } }>('/uploads/:id/events', async (request, reply) => {
    const uploadId = safeId('upload', request.params.id);
    if ((await storage.meta(uploadId)) === undefined) throw new HttpError(404, `No upload ${uploadId}.`);
    const lastEventId = Number(request.headers['last-event-id'] ?? 0) || 0;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
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
      open.delete(end);
      res.end();
    };
    open.add(end);
    res.on('close', end);
    try {
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
    } catch (error) {
      request.log.error({ err: error, uploadId }, 'progress stream failed');
      end();
    }
  });

  return {
    get size() {
      return open.size;
    },
    endAll() {
      for (const end of open) end();
    },
  };
}
