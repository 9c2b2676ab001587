import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Running, sample, startService, upload } from './helpers.ts';

describe('POST /uploads with a size cap', () => {
  let service: Running;
  beforeAll(async () => {
    service = await startService('company-on-upload-limit', { maxUploadBytes: 4096 });
  });
  afterAll(async () => {
    await service?.close();
  });

  it('refuses a file over the cap with 413 while it streams in, and keeps a file under it', async () => {
    const big = await upload(service.url, 'travel-policy.pdf', await sample('travel-policy.pdf'));
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: string }).error).toContain('travel-policy.pdf');
    const small = await upload(service.url, 'note.txt', new TextEncoder().encode('A short note.'));
    expect(small.status).toBe(201);
    expect(await small.json()).toMatchObject({ filename: 'note.txt', size: 13 });
    expect(await readdir(join(service.dataDir, 'uploads'))).toHaveLength(1);
  });

  it('answers 413 to a file far over the cap without waiting for the rest of it', async () => {
    const huge = new Uint8Array(32 * 1024 * 1024).fill(97);
    const t0 = performance.now();
    const response = await upload(service.url, 'huge.txt', huge);
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: string }).error).toContain('huge.txt');
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(await readdir(join(service.dataDir, 'uploads'))).toHaveLength(1);
  });
});
