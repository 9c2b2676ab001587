import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClusterEvent } from '@celeriac/core';

/** The part of a Celeriac app the event stream reads. */
export interface EventStreamApp {
  readonly events: {
    on(event: '*', listener: (event: ClusterEvent) => void): unknown;
    off(event: '*', listener: (event: ClusterEvent) => void): unknown;
  };
}

/** Options of `createEventStream`. */
export interface EventStreamOptions {
  /**
   * Only events this accepts are buffered and sent (e.g. the tasks of one feature).
   * @default every event
   */
  filter?: (event: ClusterEvent) => boolean;
  /**
   * Events kept for replay to a client that reconnects with `Last-Event-ID`.
   * @default 1000
   */
  bufferSize?: number;
  /**
   * Milliseconds between heartbeat comments, which keep proxies from closing an idle stream.
   * @default 15000
   */
  heartbeatMs?: number;
  /**
   * Reconnection delay the stream asks browsers for (the SSE `retry:` field), ms.
   * @default 2000
   */
  retryMs?: number;
  /**
   * Bytes a slow client may have waiting before it is dropped (it reconnects and replays).
   * @default 1048576
   */
  maxBufferedBytes?: number;
}

/** A Server-Sent Events endpoint over `app.events`. */
export interface EventStream {
  /**
   * Serve one client: `GET` with optional `?taskId=a,b` and `?type=task-progress,task-*` filters;
   * a `Last-Event-ID` header (or `?lastEventId=`) replays what the client missed.
   */
  handler(req: IncomingMessage, res: ServerResponse): void;
  /** Id of the newest event (0 before the first). */
  readonly lastEventId: number;
  /** Connected clients. */
  readonly clients: number;
  /** End every client's response and stop listening to the app. */
  close(): void;
}

interface Buffered {
  id: number;
  event: ClusterEvent;
  frame: string;
}

interface Client {
  res: ServerResponse;
  accepts: (event: ClusterEvent) => boolean;
}

function listParam(query: URLSearchParams, name: string): string[] {
  return query
    .getAll(name)
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter((value) => value !== '');
}

/** `task-*` style type patterns and task ids from the query string, as one test. */
function clientFilter(query: URLSearchParams): (event: ClusterEvent) => boolean {
  const ids = new Set(listParam(query, 'taskId'));
  const types = listParam(query, 'type');
  const exact = new Set(types.filter((type) => !type.endsWith('*')));
  const prefixes = types.filter((type) => type.endsWith('*')).map((type) => type.slice(0, -1));
  return (event) => {
    if (ids.size > 0 && !('taskId' in event && ids.has(event.taskId))) return false;
    if (types.length === 0) return true;
    return exact.has(event.type) || prefixes.some((prefix) => event.type.startsWith(prefix));
  };
}

/**
 * Server-Sent Events from `app.events` (the whole cluster): one `data:` line of JSON per event
 * (its `type` inside), `id:` lines from a counter that starts at the stream's start time in
 * microseconds (so a restarted server never reuses an id), a bounded replay buffer for
 * `Last-Event-ID`, and heartbeat comments. When a client asks to resume from an event no longer
 * buffered, it first gets an `event: gap` message: reload the state, then follow the stream.
 */
export function createEventStream(app: EventStreamApp, options: EventStreamOptions = {}): EventStream {
  const bufferSize = Math.max(0, options.bufferSize ?? 1000);
  const maxBuffered = options.maxBufferedBytes ?? 1_048_576;
  const retryMs = options.retryMs ?? 2000;
  const firstId = Date.now() * 1000;
  let nextId = firstId;
  const buffer: Buffered[] = [];
  const clients = new Set<Client>();

  const write = (client: Client, frame: string): void => {
    if (client.res.writableLength > maxBuffered) {
      clients.delete(client);
      client.res.end();
      return;
    }
    client.res.write(frame);
  };

  const onEvent = (event: ClusterEvent): void => {
    if (options.filter !== undefined && !options.filter(event)) return;
    const id = nextId++;
    const frame = `id: ${id}\ndata: ${JSON.stringify(event)}\n\n`;
    buffer.push({ id, event, frame });
    if (buffer.length > bufferSize) buffer.splice(0, buffer.length - bufferSize);
    for (const client of clients) if (client.accepts(event)) write(client, frame);
  };
  app.events.on('*', onEvent);

  const heartbeat = setInterval(() => {
    const frame = `: heartbeat ${new Date().toISOString()}\n\n`;
    for (const client of clients) write(client, frame);
  }, options.heartbeatMs ?? 15_000);
  heartbeat.unref();

  return {
    get lastEventId() {
      return nextId === firstId ? 0 : nextId - 1;
    },
    get clients() {
      return clients.size;
    },
    handler(req, res) {
      const url = req.url ?? '/';
      const query = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
      const client: Client = { res, accepts: clientFilter(query) };
      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
        'X-Content-Type-Options': 'nosniff',
      });
      res.write(`retry: ${retryMs}\n: connected\n\n`);
      const resumeFrom = req.headers['last-event-id'] ?? query.get('lastEventId') ?? undefined;
      if (resumeFrom !== undefined && resumeFrom !== '') {
        const lastSeen = Number(resumeFrom);
        const oldest = buffer[0]?.id ?? nextId;
        if (!Number.isSafeInteger(lastSeen) || lastSeen < oldest - 1 || lastSeen >= nextId) {
          // Events were missed that no longer exist here: say so, then carry on live.
          res.write(`event: gap\ndata: ${JSON.stringify({ lastEventId: resumeFrom, oldest })}\n\n`);
        } else {
          for (const item of buffer) if (item.id > lastSeen && client.accepts(item.event)) res.write(item.frame);
        }
      }
      clients.add(client);
      const drop = () => clients.delete(client);
      req.on('close', drop);
      res.on('close', drop);
    },
    close() {
      clearInterval(heartbeat);
      app.events.off('*', onEvent);
      for (const client of clients) client.res.end();
      clients.clear();
    },
  };
}
