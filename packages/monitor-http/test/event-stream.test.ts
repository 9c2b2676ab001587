import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createEventStream } from '../src/index.ts';
import { type Fixture, startFixture } from './helpers.ts';
import { openSse, type SseClient } from './sse-client.ts';

describe('GET /events', () => {
  let f: Fixture | undefined;
  const clients: SseClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await f?.close();
    f = undefined;
  });
  const open = async (path: string, headers?: Record<string, string>) => {
    const client = await openSse(new URL(path, f!.url), headers);
    clients.push(client);
    return client;
  };

  it('streams every event of the cluster with increasing ids and asks for a reconnect delay', async () => {
    f = await startFixture();
    const stream = await open('events');
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(stream.headers.get('cache-control')).toBe('no-store');
    const sent = await f.app.sendTask('demo.add', [1, 2]);
    await stream.waitFor((m) => m.data?.type === 'task-succeeded' && m.data.taskId === sent.id);
    await stream.waitFor((m) => m.data?.type === 'worker-heartbeat');
    expect(stream.frames[0]).toMatchObject({ retry: 2000, comments: ['connected'] });
    const task = stream.messages().filter((m) => m.data.taskId === sent.id);
    expect(task.map((m) => m.data.type)).toEqual(['task-sent', 'task-received', 'task-started', 'task-succeeded']);
    expect(task[3]!.data).toMatchObject({ name: 'demo.add', result: 3, hostname: f.worker.hostname });
    const ids = stream.messages().map((m) => Number(m.id));
    expect(ids.every((id, i) => i === 0 || id === ids[i - 1]! + 1)).toBe(true);
  });

  it('filters by ?taskId= and ?type= (with task-* prefixes)', async () => {
    f = await startFixture();
    const first = await f.app.sendTask('demo.add', [1, 1], { countdown: 0.05 });
    const byTask = await open(`events?taskId=${first.id}`);
    const byType = await open('events?type=task-succeeded,worker-*');
    const other = await f.app.sendTask('demo.add', [2, 2]);
    await other.get({ timeout: 5000 });
    await first.get({ timeout: 5000 });
    await byTask.waitFor((m) => m.data?.type === 'task-succeeded');
    await byType.waitFor((m) => m.data?.taskId === first.id);
    await byType.waitFor((m) => m.data?.taskId === other.id);
    await byType.waitFor((m) => m.data?.type === 'worker-heartbeat');
    expect(new Set(byTask.messages().map((m) => m.data.taskId))).toEqual(new Set([first.id]));
    expect(new Set(byType.messages().map((m) => m.data.type))).toEqual(new Set(['task-succeeded', 'worker-heartbeat']));
  });

  it('replays what a client missed when it reconnects with Last-Event-ID', async () => {
    f = await startFixture();
    const before = await open('events?type=task-*');
    const a = await f.app.sendTask('demo.add', [1, 1]);
    const lastSeen = await before.waitFor((m) => m.data?.type === 'task-succeeded' && m.data.taskId === a.id);
    before.close();
    const b = await f.app.sendTask('demo.add', [2, 2]);
    await b.get({ timeout: 5000 });
    const c = await f.app.sendTask('demo.add', [3, 3], { countdown: 0.2 });
    const resumed = await open('events?type=task-*', { 'Last-Event-ID': lastSeen.id! });
    await resumed.waitFor((m) => m.data?.type === 'task-succeeded' && m.data.taskId === c.id);
    const seen = resumed.messages();
    expect(seen.some((m) => m.data.taskId === a.id)).toBe(false);
    expect(seen.filter((m) => m.data.taskId === b.id).map((m) => m.data.type)).toEqual([
      'task-sent',
      'task-received',
      'task-started',
      'task-succeeded',
    ]);
    expect(Number(seen[0]!.id)).toBeGreaterThan(Number(lastSeen.id));
    expect(seen.map((m) => Number(m.id))).toEqual([...seen.map((m) => Number(m.id))].sort((x, y) => x - y));
  });

  it('says "gap" when the events a client asks for are no longer buffered', async () => {
    f = await startFixture({ monitor: { eventBufferSize: 3 } });
    const first = await open('events');
    const sent = await f.app.sendTask('demo.add', [1, 1]);
    const early = await first.waitFor((m) => m.data?.taskId === sent.id);
    await first.waitFor((m) => m.data?.type === 'task-succeeded');
    first.close();
    for (let i = 0; i < 3; i++) await (await f.app.sendTask('demo.add', [i, i])).get({ timeout: 5000 });
    const resumed = await open('events', { 'Last-Event-ID': early.id! });
    const gap = await resumed.waitFor((frame) => frame.event === 'gap');
    expect(gap.data).toMatchObject({ lastEventId: early.id });
    const stale = await open('events', { 'Last-Event-ID': '12' });
    await stale.waitFor((frame) => frame.event === 'gap');
  });

  it('sends heartbeat comments', async () => {
    f = await startFixture({ monitor: { heartbeatMs: 50 } });
    const stream = await open('events?type=none');
    await stream.waitFor((frame) => frame.comments.some((c) => c.startsWith('heartbeat ')));
  });
});

describe('createEventStream() in another server', () => {
  it('serves a filtered stream (e.g. progress of one feature) and ends its clients on close()', async () => {
    const f = await startFixture();
    const stream = createEventStream(f.app, {
      filter: (event) => event.type === 'task-progress' || event.type === 'task-succeeded',
    });
    const server = createServer((req, res) => stream.handler(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const client = await openSse(`http://127.0.0.1:${(server.address() as AddressInfo).port}/progress`);
      const sent = await f.app.sendTask('demo.add', [4, 4]);
      await client.waitFor((m) => m.data?.taskId === sent.id);
      expect(client.messages().every((m) => ['task-progress', 'task-succeeded'].includes(m.data.type))).toBe(true);
      expect(stream.clients).toBe(1);
      expect(stream.lastEventId).toBe(Number(client.messages().at(-1)!.id));
      stream.close();
      expect(stream.clients).toBe(0);
      client.close();
    } finally {
      server.close();
      await f.close();
    }
  });
});
