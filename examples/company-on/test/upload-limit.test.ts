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
});
