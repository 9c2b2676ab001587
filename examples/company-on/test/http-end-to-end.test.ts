import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCorruptPdfFlow, expectPdfFlow } from './flows.ts';
import { type Running, startService } from './helpers.ts';

describe('Company-on over HTTP on the memory broker', () => {
  let service: Running;
  beforeAll(async () => {
    service = await startService('company-on-e2e');
  });
  afterAll(async () => {
    await service?.close();
  });

  it('uploads the sample PDF, streams its progress to SUCCESS, and cites it in a chat answer', async () => {
    await expectPdfFlow(service.url);
  });

  it('ends a corrupt PDF in a FAILURE event that gives the stage and the reason', async () => {
    await expectCorruptPdfFlow(service.url);
  });

  it('mounts the monitor at /monitor, where the processed uploads show', async () => {
    const response = await fetch(`${service.url}/monitor/api/tasks`);
    expect(response.status).toBe(200);
    expect(JSON.stringify(await response.json())).toContain('documents.process');
  });

  it('answers bad requests with clear 4xx errors', async () => {
    const noFile = await fetch(`${service.url}/uploads`, { method: 'POST', body: new FormData() });
    expect(noFile.status).toBe(400);
    const notMultipart = await fetch(`${service.url}/uploads`, { method: 'POST', body: 'x' });
    expect(notMultipart.status).toBe(415);
    const malformed = await fetch(`${service.url}/uploads`, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
      body: 'not a multipart body',
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: string }).error).toMatch(/^Malformed multipart body/);
    expect((await fetch(`${service.url}/start/no-such-upload`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${service.url}/start/bad%20id`, { method: 'POST' })).status).toBe(400);
    const emptyQuestion = await fetch(`${service.url}/chat/s1`, { method: 'POST', body: '{"question":" "}' });
    expect(emptyQuestion.status).toBe(400);
    expect((await fetch(`${service.url}/nope`)).status).toBe(404);
  });

  it('serves the page with a same-origin-only script policy', async () => {
    const page = await fetch(`${service.url}/`);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await page.text()).toContain('<script type="module" src="/app.js"></script>');
    const script = await (await fetch(`${service.url}/app.js`)).text();
    expect(script).toContain('EventSource');
    expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });
});
