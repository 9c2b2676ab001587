import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Running, startService } from './helpers.ts';

const TOKEN = 'company-on-test-token';
const auth = { authorization: `Bearer ${TOKEN}` };

describe('the monitor mounted at /monitor of the Fastify service (through middie)', () => {
  let service: Running;
  beforeAll(async () => {
    service = await startService('company-on-monitor', { monitor: { auth: { token: TOKEN } } });
  });
  afterAll(async () => {
    await service?.close();
  });

  it('asks for its token, and serves its API with it', async () => {
    expect((await fetch(`${service.url}/monitor/api/tasks`)).status).toBe(401);
    const wrong = await fetch(`${service.url}/monitor/api/tasks`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(403);
    const tasks = await fetch(`${service.url}/monitor/api/tasks`, { headers: auth });
    expect(tasks.status).toBe(200);
    expect(tasks.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('reads the body of its actions itself (Fastify parses nothing under /monitor)', async () => {
    const revoke = await fetch(`${service.url}/monitor/api/tasks/some-task/revoke`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', 'x-celeriac-csrf': '1' },
      body: JSON.stringify({ terminate: false }),
    });
    expect(revoke.status).toBe(202);
    expect(await revoke.json()).toMatchObject({ taskId: 'some-task', revoked: true, terminate: false });
    const bad = await fetch(`${service.url}/monitor/api/tasks/some-task/revoke`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', 'x-celeriac-csrf': '1' },
      body: JSON.stringify({ terminate: 'yes' }),
    });
    expect(bad.status).toBe(400);
  });

  it("streams the cluster's events, and an open stream does not hold the service's close", async () => {
    const response = await fetch(`${service.url}/monitor/events`, { headers: auth });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    // Left open on purpose: afterAll closes the service with this stream still connected.
  });

  it('redirects /monitor to /monitor/, and leaves other paths to the service', async () => {
    const bare = await fetch(`${service.url}/monitor`, { redirect: 'manual' });
    expect(bare.status).toBeGreaterThanOrEqual(300);
    expect(bare.status).toBeLessThan(400);
    expect(new URL(bare.headers.get('location') ?? '', `${service.url}/monitor`).pathname).toBe('/monitor/');
    const beside = await fetch(`${service.url}/monitoring`);
    expect(beside.status).toBe(404);
    expect(await beside.json()).toEqual({ error: 'No route for GET /monitoring.' });
  });
});

describe('a Company-on service without a monitor', () => {
  let service: Running;
  beforeAll(async () => {
    service = await startService('company-on-no-monitor', { monitor: false });
  });
  afterAll(async () => {
    await service?.close();
  });

  it('says so at /monitor', async () => {
    const response = await fetch(`${service.url}/monitor/api/tasks`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'The monitor is not mounted in this process.' });
  });
});
