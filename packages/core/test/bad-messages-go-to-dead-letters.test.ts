import { TaskFailedError, TaskRevokedError, type TaskRevokedEvent } from '@celeriac/core';
import { afterEach, describe, expect, it } from 'vitest';
import { closeApps, makeApp, recordEvents, uniqueMemoryUrl, waitFor, waitForStats } from './helpers.ts';

afterEach(closeApps);

describe('unknown task names', () => {
  it('go to the dead-letter store with a reason naming the task, and the next good task still runs', async () => {
    const app = makeApp();
    const good = app.task('good', (n: number) => n + 1);
    await app.worker({ concurrency: 1 }).start();
    const broker = await app.broker();

    const unknown = await app.sendTask('no.such.task', [1, 2]);
    const next = await good.delay(41);

    expect(await next.get({ timeout: 5_000 })).toBe(42);
    const letters = await waitFor(async () => {
      const list = await broker.deadLetters.list('default');
      return list.length > 0 ? list : undefined;
    });
    expect(letters).toHaveLength(1);
    expect(letters[0]?.id).toBe(unknown.id);
    expect(letters[0]?.reason).toContain('no.such.task');
    expect(JSON.parse(letters[0]!.body).headers.task).toBe('no.such.task');
    expect(await broker.stats('default')).toMatchObject({ ready: 0, unacked: 0, dead: 1 });
  });

  it("the unknown task's AsyncResult rejects with TaskFailedError (UnknownTaskError)", async () => {
    const app = makeApp();
    await app.worker({ concurrency: 1 }).start();

    const unknown = await app.sendTask('no.such.task', []);
    const error = await unknown.get({ timeout: 5_000 }).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as TaskFailedError).taskId).toBe(unknown.id);
    expect((error as TaskFailedError).remote.name).toBe('UnknownTaskError');
    expect((error as TaskFailedError).remote.message).toContain('no.such.task');
    expect(await unknown.state()).toBe('FAILURE');
  });

  it('a dead letter can be requeued and then runs once a worker knows the task', async () => {
    const url = uniqueMemoryUrl('dead-letter-requeue');
    const without = makeApp({ broker: url });
    // Holds the shared memory broker open while `without` closes.
    const withTask = makeApp({ broker: url });
    withTask.task('late.registered', (value: string) => `got ${value}`);
    await without.worker({ concurrency: 1 }).start();
    const result = await without.sendTask('late.registered', ['x']);
    await expect(result.get({ timeout: 5_000 })).rejects.toThrow(TaskFailedError);
    await without.close();

    await withTask.worker({ concurrency: 1 }).start();
    const broker = await withTask.broker();
    const [letter] = await broker.deadLetters.list('default');
    expect(letter?.id).toBe(result.id);
    expect(await broker.deadLetters.requeue('default', result.id)).toBe(true);

    await waitFor(async () => (await withTask.result(result.id).state()) === 'SUCCESS');
    expect(await withTask.result(result.id).get({ timeout: 1_000 })).toBe('got x');
  });
});

describe('undecodable messages', () => {
  it('go to the dead-letter store with the reason, and the worker keeps running', async () => {
    const app = makeApp();
    const good = app.task('still.good', () => 'alive');
    await app.worker({ concurrency: 1 }).start();
    const broker = await app.broker();

    await broker.publish([{ id: 'x', queue: 'default', body: 'not json', priority: 0 }]);
    await broker.publish([{ id: 'y', queue: 'default', body: JSON.stringify({ hello: 'world' }), priority: 0 }]);

    const letters = await waitFor(async () => {
      const list = await broker.deadLetters.list('default');
      return list.length === 2 ? list : undefined;
    });
    const byId = Object.fromEntries(letters.map((letter) => [letter.id, letter]));
    expect(byId.x?.reason).toMatch(/undecodable/);
    expect(byId.x?.reason).toMatch(/not JSON/);
    expect(byId.x?.body).toBe('not json');
    expect(byId.y?.reason).toMatch(/undecodable/);

    expect(await (await good.delay()).get({ timeout: 5_000 })).toBe('alive');
    expect(await broker.stats('default')).toMatchObject({ ready: 0, unacked: 0, dead: 2 });
  });
});

describe('expired messages', () => {
  it('are not run: state REVOKED, get() rejects TaskRevokedError, dead letter says expired', async () => {
    const app = makeApp();
    const events = await recordEvents(app);
    let runs = 0;
    const report = app.task('report', () => {
      runs++;
      return 'ran';
    });
    // Sent with an expiry already in the past, before any worker runs.
    const expired = await report.applyAsync([], { expires: new Date(Date.now() - 1_000) });
    const fresh = await report.applyAsync([], { expires: 60 });
    await app.worker({ concurrency: 1 }).start();

    expect(await fresh.get({ timeout: 5_000 })).toBe('ran');
    const error = await expired.get({ timeout: 5_000 }).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(TaskRevokedError);
    expect((error as TaskRevokedError).taskId).toBe(expired.id);
    expect(await expired.state()).toBe('REVOKED');
    expect(runs).toBe(1);
    const letters = await (await app.broker()).deadLetters.list('default');
    expect(letters).toHaveLength(1);
    expect(letters[0]?.id).toBe(expired.id);
    expect(letters[0]?.reason).toMatch(/expired/);
    const revoked = (await waitFor(() =>
      events.find((event) => event.type === 'task-revoked' && event.taskId === expired.id),
    )) as TaskRevokedEvent;
    expect(revoked.expired).toBe(true);
  });

  it('a relative expires (seconds) that passes while the task waits in the queue revokes it', async () => {
    const app = makeApp();
    let runs = 0;
    const job = app.task('job.expiring', () => {
      runs++;
      return null;
    });
    const sentAt = Date.now();
    const result = await job.applyAsync([], { expires: 0.05 });
    // Let the expiry pass while nothing consumes the queue.
    await waitFor(() => Date.now() > sentAt + 80);
    await app.worker({ concurrency: 1 }).start();

    await expect(result.get({ timeout: 5_000 })).rejects.toThrow(TaskRevokedError);
    expect(runs).toBe(0);
    await waitForStats(app, 'default', { ready: 0, unacked: 0, dead: 1 });
  });

  it('the task option expires applies to every call', async () => {
    const app = makeApp();
    const job = app.task('job.option.expires', () => 'ran', { expires: new Date(Date.now() - 1).toISOString() });
    const result = await job.delay();
    await app.worker({ concurrency: 1 }).start();

    await expect(result.get({ timeout: 5_000 })).rejects.toThrow(TaskRevokedError);
  });
});
