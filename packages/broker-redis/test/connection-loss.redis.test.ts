import type { AsyncResult } from '@celeriac/core';
import { expect, it } from 'vitest';
import { describeRedis } from './helpers.ts';
import {
  clientList,
  createAclUser,
  expectStats,
  pollUntil,
  runCounts,
  scopePerTest,
  startWorker,
} from './reliability.ts';

const openScope = scopePerTest();

describeRedis("CLIENT KILL of a worker's connections while tasks run", () => {
  it('the worker reconnects, resumes consuming, and every task completes exactly once', async () => {
    const { scope, prefix, admin, producer } = openScope();
    // The worker logs in as a user of its own: CLIENT LIST then names its connections and no one else's.
    const user = await createAclUser(admin);
    scope.defer(user.drop);
    const worker = await startWorker({ prefix, url: user.url, visibilityTimeout: 5, concurrency: 4 });
    const results: AsyncResult[] = [];
    for (let i = 0; i < 40; i++) results.push(await producer.app.sendTask('rel.work', [200]));

    await pollUntil(
      () => runCounts(admin, prefix),
      ({ starts, finishes }) => finishes.size >= 8 && starts.size - finishes.size >= 2,
      { timeout: 30_000, message: (counts) => `finished ${counts?.finishes.size}; ${worker.stderr()}` },
    );
    const before = (await clientList(admin)).filter((client) => client.user === user.name);
    const names = new Set(before.map((client) => client.name));
    for (const role of ['command', 'blocking', 'subscriber']) expect(names).toContain(`celeriac:broker:${role}`);
    expect(names).toContain('celeriac:backend:command');
    for (const client of before) await admin.call('CLIENT', 'KILL', 'ID', client.id);

    // New connections replace every killed one.
    const killed = new Set(before.map((client) => client.id));
    await pollUntil(
      () => clientList(admin),
      (clients) => {
        const fresh = clients.filter((client) => client.user === user.name && !killed.has(client.id));
        return [...names].every((name) => fresh.some((client) => client.name === name));
      },
      { timeout: 20_000, message: () => `connections of ${[...names].join(', ')} not back; ${worker.stderr()}` },
    );
    // Tasks sent after the kill are consumed too: the blocking read resumed.
    for (let i = 0; i < 10; i++) results.push(await producer.app.sendTask('rel.work', [20]));

    const outcomes = await Promise.all(results.map((result) => result.get({ timeout: 60_000 })));
    expect(outcomes.every((outcome) => (outcome as { pid: number }).pid === worker.pid)).toBe(true);
    expect(worker.alive()).toBe(true);
    const { starts } = await runCounts(admin, prefix);
    const runs = results.map((result) => starts.get(result.id));
    expect(runs).toEqual(results.map(() => 1));
    await expectStats(producer.broker, 'default', { ready: 0, delayed: 0, unacked: 0, dead: 0 });
  }, 90_000);
});
