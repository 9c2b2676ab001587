import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileTooLargeError, InvalidIdError, LocalDirectoryStorage, UploadNotFoundError } from '../src/index.ts';
import { readSample, removeTempDirs, tempDir } from './helpers.ts';

afterAll(removeTempDirs);

async function* pieces(total: number, size: number): AsyncGenerator<Uint8Array> {
  for (let sent = 0; sent < total; sent += size) yield new Uint8Array(Math.min(size, total - sent)).fill(65);
}

describe('LocalDirectoryStorage uploads', () => {
  it('saves, reads, lists (oldest first) and deletes uploads with their metadata', async () => {
    const storage = new LocalDirectoryStorage(await tempDir('storage'));
    const pdf = await readSample('travel-policy.pdf');
    const first = await storage.save({ filename: 'travel-policy.pdf', mimeType: 'application/pdf', data: pdf });
    const second = await storage.save({
      filename: 'notes.md',
      data: new TextEncoder().encode('# Notes'),
      id: 'notes-1',
    });
    expect(first).toMatchObject({ filename: 'travel-policy.pdf', size: pdf.byteLength, mimeType: 'application/pdf' });
    expect(first.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(second).toMatchObject({ id: 'notes-1', mimeType: 'application/octet-stream', size: 7 });
    expect(Buffer.from(await storage.read(first.id)).equals(pdf)).toBe(true);
    expect(await storage.meta(first.id)).toEqual(first);
    expect((await storage.list()).map((meta) => meta.id)).toEqual([first.id, 'notes-1']);
    expect(await storage.delete(first.id)).toBe(true);
    expect(await storage.delete(first.id)).toBe(false);
    expect(await storage.meta(first.id)).toBeUndefined();
    await expect(storage.read(first.id)).rejects.toThrow(UploadNotFoundError);
    expect((await storage.list()).map((meta) => meta.id)).toEqual(['notes-1']);
  });

  it('streams uploads in, and refuses one over maxBytes while it streams, keeping nothing', async () => {
    const dir = await tempDir('storage');
    const storage = new LocalDirectoryStorage(dir, { maxBytes: 100_000 });
    const ok = await storage.save({ filename: 'big.txt', data: pieces(99_000, 8_192) });
    expect(ok.size).toBe(99_000);
    expect((await storage.read(ok.id)).byteLength).toBe(99_000);
    const error = await storage.save({ filename: 'huge.txt', data: pieces(1_000_000, 8_192) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileTooLargeError);
    expect((error as FileTooLargeError).stage).toBe('load');
    expect((error as Error).message).toMatch(/"huge\.txt" is .* over the limit of 97\.7 KiB/);
    expect(await readdir(join(dir, 'uploads'))).toEqual([ok.id]);
    // A failed save under an existing id keeps the upload that was there.
    await expect(storage.save({ filename: 'again.txt', id: ok.id, data: pieces(200_000, 8_192) })).rejects.toThrow(
      FileTooLargeError,
    );
    expect((await storage.meta(ok.id))?.filename).toBe('big.txt');
    expect((await storage.read(ok.id)).byteLength).toBe(99_000);
    expect(await readdir(join(dir, 'uploads', ok.id))).toEqual(['content', 'meta.json']);
    // A per-call limit wins over the storage's.
    await expect(storage.save({ filename: 'x.txt', data: pieces(2_000, 500), maxBytes: 1_000 })).rejects.toThrow(
      FileTooLargeError,
    );
  });

  it('records the current attempt; refuses ids that could leave the directory', async () => {
    const storage = new LocalDirectoryStorage(await tempDir('storage'));
    const meta = await storage.save({ filename: 'a.txt', data: new TextEncoder().encode('a') });
    await Promise.all([storage.setAttempt(meta.id, 'task-1'), storage.setAttempt(meta.id, 'task-2')]);
    expect((await storage.meta(meta.id))?.attempt?.taskId).toBe('task-2');
    await expect(storage.setAttempt('missing', 'task')).rejects.toThrow(UploadNotFoundError);
    for (const bad of ['../etc', 'a/b', '', 'x'.repeat(129), 'dot.dot']) {
      await expect(storage.meta(bad)).rejects.toThrow(InvalidIdError);
    }
    await expect(storage.save({ filename: 'a', data: new Uint8Array(1), id: '../../x' })).rejects.toThrow(
      InvalidIdError,
    );
  });
});

describe('FileSessionStore (LocalDirectoryStorage.sessions)', () => {
  it('appends turns, keeps history across instances, and removes sessions idle since before a cutoff', async () => {
    const dir = await tempDir('sessions');
    const sessions = new LocalDirectoryStorage(dir).sessions;
    const old = '2020-01-01T00:00:00.000Z';
    await sessions.append('old-session', [{ role: 'user', content: 'hello', at: old }]);
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        sessions.append('busy', [{ role: 'user', content: `question ${i}`, at: new Date().toISOString() }]),
      ),
    );
    const busy = await new LocalDirectoryStorage(dir).sessions.get('busy');
    expect(busy?.messages.map((m) => m.content)).toEqual(Array.from({ length: 10 }, (_, i) => `question ${i}`));
    expect((await sessions.get('old-session'))?.updatedAt).toBe(old);
    expect(await sessions.deleteOlderThan(new Date(Date.now() - 3_600_000))).toEqual(['old-session']);
    expect(await sessions.get('old-session')).toBeUndefined();
    expect(await sessions.get('busy')).toBeDefined();
    expect(await sessions.delete('busy')).toBe(true);
    expect(await sessions.deleteOlderThan(new Date())).toEqual([]);
    await expect(sessions.get('../x')).rejects.toThrow(InvalidIdError);
  });
});
