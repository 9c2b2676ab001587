import type { CeleriacOptions } from '@celeriac/core';
import { waitFor } from '@celeriac/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMonitor } from '../src/index.ts';
import { type CallResult, call, type Fixture, startFixture } from './helpers.ts';

/** How a suite gets its broker and backend, and cleans them after each test. */
export interface ApiSuiteSetup {
  app(): CeleriacOptions;
  cleanup?(): Promise<void>;
}

async function taskState(f: Fixture, id: string): Promise<string | undefined> {
  const res = await call(f.url, `api/tasks/${id}`);
  return res.status === 200 ? res.json.task.state : undefined;
}

async function waitForState(f: Fixture, id: string, state: string, timeout = 10_000): Promise<void> {
  let last: string | undefined;
  await waitFor(
    async () => {
      last = await taskState(f, id);
      return last === state;
    },
    { timeout, interval: 25, message: () => `task ${id} is ${last}, expected ${state}` },
  );
}

function ok(res: CallResult, status = 200): CallResult {
  expect(res.status, res.text).toBe(status);
  return res;
}

/**
 * The JSON API, endpoint by endpoint, through a real HTTP server, against the broker and backend
 * `setup` gives (memory and Redis run the same scenarios).
 */
export function describeMonitorApi(name: string, setup: ApiSuiteSetup): void {
  describe(`monitor API on ${name}`, () => {
    let f: Fixture;

    beforeEach(async () => {
      f = await startFixture({ app: setup.app() });
    });
    afterEach(async () => {
      await f.close();
      await setup.cleanup?.();
    });

    it('GET /api/workers lists the worker online with its load, counts and heartbeat', async () => {
      await (await f.app.sendTask('demo.add', [1, 2])).get({ timeout: 5000 });
      const res = ok(await call(f.url, 'api/workers'));
      const worker = res.json.workers.find((w: { hostname: string }) => w.hostname === f.worker.hostname);
      expect(worker).toMatchObject({ status: 'online', queues: ['default'], concurrency: 4 });
      expect(worker.processed).toBeGreaterThanOrEqual(1);
      expect(worker.load).toHaveLength(3);
      expect(worker.lastHeartbeat).toBeGreaterThan(Date.now() - 60_000);
      expect(worker.stats).toMatchObject({ hostname: f.worker.hostname, pool: 'async' });
      expect(res.json.online).toBeGreaterThanOrEqual(1);
    });

    it('GET /api/queues counts ready messages per queue, and purge empties one', async () => {
      await f.app.sendTask('demo.add', [1, 1], { queue: 'idle' });
      await f.app.sendTask('demo.add', [2, 2], { queue: 'idle' });
      await f.app.sendTask('demo.add', [3, 3], { queue: 'idle', countdown: 60 });
      const listed = ok(await call(f.url, 'api/queues'));
      expect(listed.json.queues.map((q: { name: string }) => q.name)).toEqual(
        expect.arrayContaining(['default', 'idle']),
      );
      const named = ok(await call(f.url, 'api/queues?names=idle'));
      expect(named.json.queues).toEqual([{ name: 'idle', ready: 2, delayed: 1, unacked: 0, dead: 0 }]);
      const purged = ok(await call(f.url, 'api/queues/idle/purge', { method: 'POST' }));
      expect(purged.json).toEqual({ queue: 'idle', purged: 3 });
      const after = ok(await call(f.url, 'api/queues?names=idle'));
      expect(after.json.queues[0]).toMatchObject({ ready: 0, delayed: 0 });
    });

    it('GET /api/tasks filters by state, name, worker and time, and pages', async () => {
      const since = Date.now();
      const adds = await Promise.all([1, 2, 3].map((n) => f.app.sendTask('demo.add', [n, n])));
      const failed = await f.app.sendTask('demo.fail', ['boom']);
      for (const r of adds) await r.get({ timeout: 5000 });
      await expect(failed.get({ timeout: 5000 })).rejects.toThrow('boom');
      await waitForState(f, failed.id, 'FAILURE');
      for (const r of adds) await waitForState(f, r.id, 'SUCCESS');

      const all = ok(await call(f.url, 'api/tasks'));
      expect(all.json.total).toBe(4);
      expect(all.json.tasks[0].id).toBe(failed.id); // newest first
      const success = ok(await call(f.url, 'api/tasks?state=success'));
      expect(success.json.tasks.map((t: { id: string }) => t.id).sort()).toEqual(adds.map((r) => r.id).sort());
      const byName = ok(await call(f.url, 'api/tasks?name=demo.f*'));
      expect(byName.json.tasks).toHaveLength(1);
      expect(byName.json.tasks[0]).toMatchObject({ id: failed.id, state: 'FAILURE', args: ['boom'] });
      expect(byName.json.tasks[0].error).toMatchObject({ name: 'TypeError', message: 'boom' });
      const byWorker = ok(await call(f.url, `api/tasks?worker=${encodeURIComponent(f.worker.hostname)}`));
      expect(byWorker.json.total).toBe(4);
      expect(ok(await call(f.url, 'api/tasks?worker=nobody')).json.total).toBe(0);
      expect(ok(await call(f.url, `api/tasks?since=${since}`)).json.total).toBe(4);
      expect(ok(await call(f.url, `api/tasks?until=${new Date(since - 1).toISOString()}`)).json.total).toBe(0);
      const page = ok(await call(f.url, 'api/tasks?limit=2&offset=1'));
      expect(page.json).toMatchObject({ total: 4, limit: 2, offset: 1 });
      expect(page.json.tasks.map((t: { id: string }) => t.id)).toEqual(
        all.json.tasks.slice(1, 3).map((t: { id: string }) => t.id),
      );
      ok(await call(f.url, 'api/tasks?limit=-1'), 400);
    });

    it('GET /api/tasks/:id gives args, result, timeline, logs and the stored record', async () => {
      const result = await f.app.sendTask('demo.log', ['hello <b>']);
      await result.get({ timeout: 5000 });
      await waitForState(f, result.id, 'SUCCESS');
      const res = ok(await call(f.url, `api/tasks/${result.id}`));
      expect(res.json.task).toMatchObject({
        id: result.id,
        name: 'demo.log',
        args: ['hello <b>'],
        result: 'hello <b>',
      });
      expect(res.json.task.timeline.map((e: { type: string }) => e.type)).toEqual([
        'task-sent',
        'task-received',
        'task-started',
        'task-succeeded',
      ]);
      expect(res.json.record).toMatchObject({ taskId: result.id, state: 'SUCCESS', result: 'hello <b>' });
      expect(res.json.logs.join('\n')).toContain('logged by demo.log');

      const failed = await f.app.sendTask('demo.fail', ['bad input']);
      await expect(failed.get({ timeout: 5000 })).rejects.toThrow();
      await waitForState(f, failed.id, 'FAILURE');
      const detail = ok(await call(f.url, `api/tasks/${failed.id}`));
      expect(detail.json.task.error).toMatchObject({ name: 'TypeError', message: 'bad input' });
      expect(detail.json.task.error.stack).toContain('TypeError: bad input');
      ok(await call(f.url, 'api/tasks/no-such-task'), 404);
    });

    it('POST /api/tasks/:id/revoke terminates a running task and revokes a waiting one', async () => {
      const running = await f.app.sendTask('demo.sleep', [60_000]);
      await waitForState(f, running.id, 'STARTED');
      const revoked = ok(
        await call(f.url, `api/tasks/${running.id}/revoke`, { method: 'POST', body: { terminate: true } }),
        202,
      );
      expect(revoked.json).toMatchObject({ taskId: running.id, revoked: true, terminate: true });
      await waitForState(f, running.id, 'REVOKED');
      expect(await running.state()).toBe('REVOKED');

      const waiting = await f.app.sendTask('demo.add', [1, 1], { countdown: 30 });
      ok(await call(f.url, `api/tasks/${waiting.id}/revoke`, { method: 'POST' }), 202);
      await waitForState(f, waiting.id, 'REVOKED');
      expect(await waiting.state()).toBe('REVOKED');
      ok(await call(f.url, `api/tasks/${waiting.id}/revoke`, { method: 'POST', body: { terminate: 'yes' } }), 400);
    });

    it('POST /api/tasks/:id/retry sends a failed task again, which then succeeds', async () => {
      const first = await f.app.sendTask('demo.flaky', []);
      await expect(first.get({ timeout: 5000 })).rejects.toThrow('flaky failed on purpose');
      await waitForState(f, first.id, 'FAILURE');
      f.flaky.fail = false;
      const retried = ok(await call(f.url, `api/tasks/${first.id}/retry`, { method: 'POST' }), 201);
      expect(retried.json).toMatchObject({ retryOf: first.id, name: 'demo.flaky', queue: 'default' });
      const again = retried.json.taskId as string;
      expect(again).not.toBe(first.id);
      expect(await f.app.result(again).get({ timeout: 5000 })).toBe('ok now');
      await waitForState(f, again, 'SUCCESS');
      const original = ok(await call(f.url, `api/tasks/${first.id}`));
      expect(original.json.task).toMatchObject({ state: 'FAILURE', retriedAs: [again] });
      expect(ok(await call(f.url, `api/tasks/${again}`)).json.task.retryOf).toBe(first.id);
      // Only a failed task is retried.
      ok(await call(f.url, `api/tasks/${again}/retry`, { method: 'POST' }), 409);
      ok(await call(f.url, 'api/tasks/nobody/retry', { method: 'POST' }), 404);
    });

    it('dead letters are listed, requeued and deleted', async () => {
      const sent = await f.app.sendTask('nobody.knows', [1]);
      const letters = async () => ok(await call(f.url, 'api/queues/default/dead-letters')).json.deadLetters;
      await waitFor(async () => (await letters()).length === 1, { timeout: 5000 });
      const [letter] = await letters();
      expect(letter).toMatchObject({ queue: 'default', taskId: sent.id, task: 'nobody.knows', args: [1] });
      expect(letter.reason).toMatch(/not registered/);
      ok(await call(f.url, `api/queues/default/dead-letters/${letter.id}/requeue`, { method: 'POST' }));
      // The worker still does not know the task, so it comes back to the dead letters.
      await waitFor(async () => (await letters()).length === 1, { timeout: 5000 });
      const [back] = await letters();
      ok(await call(f.url, `api/queues/default/dead-letters/${back.id}`, { method: 'DELETE' }));
      expect(await letters()).toEqual([]);
      ok(await call(f.url, `api/queues/default/dead-letters/${back.id}`, { method: 'DELETE' }), 404);
      ok(await call(f.url, `api/queues/default/dead-letters/${back.id}/delete`, { method: 'POST' }), 404);
      ok(await call(f.url, `api/queues/default/dead-letters/${back.id}/requeue`, { method: 'POST' }), 404);
    });

    it('POST /api/tasks/:name/rate-limit changes the rate on every worker; pause and resume a queue', async () => {
      await waitFor(async () => ok(await call(f.url, 'api/workers?inspect=0')).json.online >= 1);
      const res = ok(await call(f.url, 'api/tasks/demo.add/rate-limit', { method: 'POST', body: { rate: '100/s' } }));
      expect(res.json).toEqual({ task: 'demo.add', rate: '100/s', workers: [f.worker.hostname] });
      ok(await call(f.url, 'api/tasks/demo.add/rate-limit', { method: 'POST', body: { rate: 'fast' } }), 400);
      ok(await call(f.url, 'api/tasks/demo.add/rate-limit', { method: 'POST', body: { rate: null } }));

      const paused = ok(await call(f.url, 'api/queues/default/pause', { method: 'POST' }));
      expect(paused.json.workers).toEqual([f.worker.hostname]);
      const held = await f.app.sendTask('demo.add', [2, 2]);
      await waitFor(async () => ok(await call(f.url, 'api/queues?names=default')).json.queues[0].ready === 1);
      ok(await call(f.url, 'api/queues/default/resume', { method: 'POST' }));
      expect(await held.get({ timeout: 5000 })).toBe(4);
    });

    it('answers 401 without credentials, 403 with wrong ones or without the CSRF header', async () => {
      const guarded = createMonitor(f.app, { auth: { token: 'api-token' }, inspectTimeout: 300 });
      const { url, close } = await guarded.listen(0);
      try {
        const waiting = await f.app.sendTask('demo.add', [1, 1], { countdown: 60 });
        const revoke = `api/tasks/${waiting.id}/revoke`;
        ok(await call(url, 'api/tasks', { csrf: false }), 401);
        ok(await call(url, 'api/workers', { token: 'wrong' }), 403);
        ok(await call(url, revoke, { method: 'POST' }), 401);
        ok(await call(url, revoke, { method: 'POST', token: 'wrong' }), 403);
        ok(await call(url, revoke, { method: 'POST', token: 'api-token', csrf: false }), 403);
        expect(await waiting.state()).toBe('PENDING');
        ok(await call(url, revoke, { method: 'POST', token: 'api-token' }), 202);
        expect(await waiting.state()).toBe('REVOKED');
      } finally {
        await close();
        await guarded.close();
      }
    });

    it('GET /healthcheck reports the broker, the backend and the workers online', async () => {
      await waitFor(async () => ok(await call(f.url, 'api/workers?inspect=0')).json.online >= 1);
      const res = ok(await call(f.url, 'healthcheck'));
      expect(res.json).toMatchObject({
        status: 'ok',
        broker: { ok: true },
        backend: { ok: true },
        workers: { ok: true, required: 0 },
      });
      expect(res.json.workers.online).toBeGreaterThanOrEqual(1);
    });

    it('GET /metrics counts tasks by name and state', async () => {
      await (await f.app.sendTask('demo.add', [1, 2])).get({ timeout: 5000 });
      await waitFor(async () => (await call(f.url, 'metrics')).text.includes('state="SUCCESS"'));
      const res = ok(await call(f.url, 'metrics'));
      expect(res.headers.get('content-type')).toContain('text/plain');
      expect(res.text).toMatch(/^celeriac_tasks_total\{name="demo\.add",state="SUCCESS"\} 1$/m);
      expect(res.text).toMatch(/^celeriac_queue_depth\{queue="default",kind="ready"\} 0$/m);
    });
  });
}
