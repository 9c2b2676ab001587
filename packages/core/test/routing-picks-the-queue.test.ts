import type { Celeriac, Routes } from '@celeriac/core';
import { afterEach, describe, expect, it } from 'vitest';
import { closeApps, makeApp } from './helpers.ts';

afterEach(closeApps);

/** Ready counts of the given queues, read from the app's broker. */
async function readyCounts(app: Celeriac, queues: string[]): Promise<Record<string, number>> {
  const broker = await app.broker();
  const counts: Record<string, number> = {};
  for (const queue of queues) counts[queue] = (await broker.stats(queue)).ready;
  return counts;
}

/** Send `name` by name (no worker runs) and report which of `queues` received it. */
async function queueOf(app: Celeriac, name: string, queues: string[]): Promise<string[]> {
  const before = await readyCounts(app, queues);
  await app.sendTask(name, []);
  const after = await readyCounts(app, queues);
  return queues.filter((queue) => after[queue] !== before[queue]);
}

const QUEUES = ['default', 'docs', 'docs_exact', 'docs_pdf', 'chat', 'fn', 'mine'];

function appWithRoutes(routes: Routes, defaultQueue?: string): Celeriac {
  return makeApp(defaultQueue === undefined ? { routes } : { routes, defaultQueue });
}

describe('routes', () => {
  it('an exact name routes to its queue; other names go to the default queue', async () => {
    const app = appWithRoutes({ 'chat.answer': { queue: 'chat' } });

    expect(await queueOf(app, 'chat.answer', QUEUES)).toEqual(['chat']);
    expect(await queueOf(app, 'chat.answerx', QUEUES)).toEqual(['default']);
    expect(await queueOf(app, 'other', QUEUES)).toEqual(['default']);
  });

  it("a glob's * matches any characters, dots included (Celery's fnmatch)", async () => {
    const app = appWithRoutes({ 'documents.*': 'docs' });

    expect(await queueOf(app, 'documents.a', QUEUES)).toEqual(['docs']);
    expect(await queueOf(app, 'documents.a.b', QUEUES)).toEqual(['docs']);
    expect(await queueOf(app, 'documents.', QUEUES)).toEqual(['docs']);
    // The dot in the pattern is literal, and the pattern is anchored at both ends.
    expect(await queueOf(app, 'documentsXa', QUEUES)).toEqual(['default']);
    expect(await queueOf(app, 'my.documents.a', QUEUES)).toEqual(['default']);
  });

  it('exact names win over globs, even when the glob was declared first', async () => {
    const app = appWithRoutes({ 'documents.*': 'docs', 'documents.special': 'docs_exact' });

    expect(await queueOf(app, 'documents.special', QUEUES)).toEqual(['docs_exact']);
    expect(await queueOf(app, 'documents.ordinary', QUEUES)).toEqual(['docs']);
  });

  it('among globs, the first match in insertion order wins', async () => {
    const broadFirst = appWithRoutes({ 'documents.*': 'docs', 'documents.pdf.*': 'docs_pdf' });
    const narrowFirst = appWithRoutes({ 'documents.pdf.*': 'docs_pdf', 'documents.*': 'docs' });

    expect(await queueOf(broadFirst, 'documents.pdf.parse', QUEUES)).toEqual(['docs']);
    expect(await queueOf(narrowFirst, 'documents.pdf.parse', QUEUES)).toEqual(['docs_pdf']);
    expect(await queueOf(narrowFirst, 'documents.txt', QUEUES)).toEqual(['docs']);
  });

  it('a router function decides from the name and arguments; undefined passes to the next router', async () => {
    const seen: Array<[string, unknown]> = [];
    const app = appWithRoutes([
      (name, args) => {
        seen.push([name, args]);
        return name.startsWith('fn.') ? 'fn' : undefined;
      },
      { 'documents.*': { queue: 'docs' } },
    ]);

    expect(await queueOf(app, 'fn.one', QUEUES)).toEqual(['fn']);
    expect(await queueOf(app, 'documents.x', QUEUES)).toEqual(['docs']);
    expect(await queueOf(app, 'elsewhere', QUEUES)).toEqual(['default']);
    expect(seen.map(([name]) => name)).toEqual(['fn.one', 'documents.x', 'elsewhere']);
    expect(seen[0]?.[1]).toEqual([]);
  });

  it('precedence: per-call queue > task option queue > routes > defaultQueue', async () => {
    const app = appWithRoutes({ 'p.*': 'docs' }, 'mine');
    const routedOnly = app.task('p.routed', () => null);
    const withOption = app.task('p.option', () => null, { queue: 'chat' });
    const plain = app.task('plain', () => null);
    const broker = await app.broker();

    await routedOnly.delay(); // routes
    await withOption.delay(); // task option beats the route
    await withOption.applyAsync([], { queue: 'fn' }); // per-call beats the task option
    await routedOnly.applyAsync([], { queue: 'fn' }); // per-call beats the route
    await plain.delay(); // defaultQueue

    expect(await readyCounts(app, QUEUES)).toEqual({
      default: 0,
      docs: 1,
      docs_exact: 0,
      docs_pdf: 0,
      chat: 1,
      fn: 2,
      mine: 1,
    });
    expect((await broker.stats('mine')).ready).toBe(1);
  });

  it('sendTask from a producer without the task code follows the routes too', async () => {
    const app = appWithRoutes({ 'documents.*': 'docs' });
    await app.sendTask('documents.process', ['upload-1']);
    await app.sendTask('documents.process', ['upload-2'], { queue: 'chat' });

    expect(await readyCounts(app, ['docs', 'chat', 'default'])).toEqual({ docs: 1, chat: 1, default: 0 });
  });

  it('a worker on only the routed queue runs the task; a default-queue worker never sees it', async () => {
    const app = appWithRoutes({ 'documents.*': { queue: 'docs' } });
    const ranOn: string[] = [];
    const parse = app.task(
      'documents.parse',
      (ctx) => {
        ranOn.push(ctx.queue);
        return ctx.queue;
      },
      { bind: true },
    );
    // A default-queue worker is running the whole time; it must not take the routed task.
    await app.worker({ concurrency: 1 }).start();
    const result = await parse.delay();
    expect((await (await app.broker()).stats('docs')).ready).toBe(1);

    await app.worker({ queues: ['docs'], concurrency: 1 }).start();

    expect(await result.get({ timeout: 5_000 })).toBe('docs');
    expect(ranOn).toEqual(['docs']);
  });

  it('app.worker() consumes the configured defaultQueue when no queues are given', async () => {
    const app = makeApp({ defaultQueue: 'mine' });
    const job = app.task('job', (ctx) => ctx.queue, { bind: true });
    const worker = app.worker({ concurrency: 1 });
    expect(worker.queues).toEqual(['mine']);
    await worker.start();

    expect(await (await job.delay()).get({ timeout: 5_000 })).toBe('mine');
  });
});
