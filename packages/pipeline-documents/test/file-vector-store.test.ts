import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { FileVectorStore, VectorFileError } from '../src/index.ts';
import { removeTempDirs, tempDir } from './helpers.ts';
import { chunkOf, vectorStoreCases } from './vector-store-cases.ts';

afterAll(removeTempDirs);

describe('FileVectorStore', () => {
  vectorStoreCases(async () => new FileVectorStore(`${await tempDir('vectors')}/nested/vectors.json`));

  it('persists to its file: a new instance (another process) reads what the first wrote', async () => {
    const path = `${await tempDir('vectors')}/vectors.json`;
    const writer = new FileVectorStore(path);
    const reader = new FileVectorStore(path);
    expect(await reader.chunks('a')).toEqual([]);
    await writer.replace('a', [chunkOf('a', 't1', 0, 0)]);
    expect((await reader.chunks('a')).map((chunk) => chunk.attempt)).toEqual(['t1']);
    // The reader notices later changes too, and writes on top of them rather than over them.
    await writer.replace('b', [chunkOf('b', 't2', 0, 1)]);
    await reader.replace('c', [chunkOf('c', 't3', 0, 2)]);
    const third = new FileVectorStore(path);
    expect((await third.search([1, 1, 1, 1], { k: 10, model: 'm1' })).map((hit) => hit.uploadId).sort()).toEqual([
      'a',
      'b',
      'c',
    ]);
    const json = JSON.parse(await readFile(path, 'utf8')) as { format: string; version: number; chunks: unknown[] };
    expect(json).toMatchObject({ format: 'celeriac-vectors', version: 1 });
    expect(json.chunks).toHaveLength(3);
  });

  it('a file that is not its own is reported, not overwritten', async () => {
    const path = `${await tempDir('vectors')}/vectors.json`;
    await writeFile(path, '{"something": "else"}');
    const store = new FileVectorStore(path);
    await expect(store.chunks('a')).rejects.toThrow(VectorFileError);
    await expect(store.replace('a', [chunkOf('a', 't', 0, 0)])).rejects.toThrow(
      /not a celeriac-vectors version 1 file/,
    );
    expect(await readFile(path, 'utf8')).toBe('{"something": "else"}');
    await writeFile(path, '{"trunc');
    await expect(new FileVectorStore(path).chunks('a')).rejects.toThrow(/is not JSON/);
  });
});
