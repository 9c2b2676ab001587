import { waitFor } from '@celeriac/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { call, type Fixture, startFixture } from './helpers.ts';

describe('an app without a result backend (e.g. AMQP with none)', () => {
  let f: Fixture | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  it('still lists tasks and their detail from events, revokes, and reports the backend as disabled', async () => {
    f = await startFixture({ app: { backend: null } });
    const url = f.url;
    const sent = await f.app.sendTask('demo.add', [2, 3]);
    let detail = await call(f.url, `api/tasks/${sent.id}`);
    await waitFor(async () => {
      detail = await call(url, `api/tasks/${sent.id}`);
      return detail.json?.task?.state === 'SUCCESS';
    });
    expect(detail.json).toMatchObject({ task: { state: 'SUCCESS', result: 5, args: [2, 3] }, record: null, logs: [] });
    const health = await call(f.url, 'healthcheck');
    expect(health.status).toBe(200);
    expect(health.json.backend).toEqual({ ok: true, enabled: false });
    const waiting = await f.app.sendTask('demo.add', [1, 1], { countdown: 60 });
    expect((await call(f.url, `api/tasks/${waiting.id}/revoke`, { method: 'POST' })).json).toMatchObject({
      revoked: true,
      state: null,
    });
    expect((await call(f.url, 'api/config')).json.resultsEnabled).toBe(false);
  });
});
