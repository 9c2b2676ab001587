import { afterEach, describe, expect, it } from 'vitest';
import { closeApps, makeApp } from './helpers.ts';

afterEach(closeApps);

describe('arguments are the caller’s no more once sent (the in-process broker skips JSON, not isolation)', () => {
  it('mutating the arguments after delay() does not change what the task receives', async () => {
    const app = makeApp();
    const echo = app.task('copy.echo', (items: number[], meta: { tag: string }) => ({ items, meta }));
    const items = [1, 2, 3];
    const meta = { tag: 'original' };
    const result = await echo.delay(items, meta);
    items.push(4);
    meta.tag = 'changed';
    await app.worker({ concurrency: 1 }).start();
    expect(await result.get({ timeout: 5_000 })).toEqual({ items: [1, 2, 3], meta: { tag: 'original' } });
  });
});
