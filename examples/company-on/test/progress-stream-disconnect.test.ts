import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Running, startService, upload } from './helpers.ts';

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('GET /uploads/:id/events when the client goes away', () => {
  let service: Running;
  beforeAll(async () => {
    service = await startService('company-on-sse-disconnect');
  });
  afterAll(async () => {
    await service?.close();
  });

  it('ends the stream and its subscription at once', async () => {
    const uploaded = (await (await upload(service.url, 'note.txt', new TextEncoder().encode('A note.'))).json()) as {
      upload_id: string;
    };
    // Never started: the stream stays open, waiting for live events.
    const abort = new AbortController();
    const response = await fetch(`${service.url}/uploads/${uploaded.upload_id}/events`, { signal: abort.signal });
    expect(response.status).toBe(200);
    await waitFor(() => service.web.progressStreams.size === 1, 'the stream to open');
    abort.abort();
    await waitFor(() => service.web.progressStreams.size === 0, 'the stream to be forgotten');
  });

  it('answers 404 for an unknown upload, before any stream opens', async () => {
    const response = await fetch(`${service.url}/uploads/no-such-upload/events`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'No upload no-such-upload.' });
    expect(service.web.progressStreams.size).toBe(0);
  });
});
