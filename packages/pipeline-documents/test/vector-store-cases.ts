import { expect, it } from 'vitest';
import { cosineSimilarity, type StoredChunk, type VectorStore } from '../src/index.ts';

/** A chunk of `uploadId` whose vector points mostly along axis `axis` (of 4). */
export function chunkOf(uploadId: string, attempt: string, index: number, axis: number, model = 'm1'): StoredChunk {
  const embedding = [0.1, 0.1, 0.1, 0.1];
  embedding[axis] = 1;
  return {
    uploadId,
    attempt,
    filename: `${uploadId}.txt`,
    model,
    chunkIndex: index,
    text: `${uploadId} chunk ${index}`,
    start: index * 10,
    end: index * 10 + 9,
    embedding,
  };
}

/**
 * The behaviour every `VectorStore` shares, run against the file store and the PostgreSQL store.
 * `create` returns a fresh, empty store.
 */
export function vectorStoreCases(create: () => Promise<VectorStore>): void {
  it('replace stores an upload, chunks() reads it back in order, search ranks by cosine', async () => {
    const store = await create();
    await store.replace('a', [
      chunkOf('a', 't1', 1, 1),
      chunkOf('a', 't1', 0, 0),
      { ...chunkOf('a', 't1', 2, 2), page: 3 },
    ]);
    await store.replace('b', [chunkOf('b', 't2', 0, 0), chunkOf('b', 't2', 1, 3)]);
    const chunks = await store.chunks('a');
    expect(chunks.map((chunk) => chunk.chunkIndex)).toEqual([0, 1, 2]);
    expect(chunks[2]).toMatchObject({ page: 3, filename: 'a.txt', text: 'a chunk 2', start: 20, end: 29 });
    expect(chunks[0]?.page).toBeUndefined();
    expect(chunks[0]?.embedding).toEqual([1, 0.1, 0.1, 0.1]);

    const query = [0.9, 0.05, 0.05, 0.3];
    const hits = await store.search(query, { k: 3, model: 'm1' });
    const expected = [...(await store.chunks('a')), ...(await store.chunks('b'))]
      .map((chunk) => ({
        id: `${chunk.uploadId}/${chunk.chunkIndex}`,
        score: cosineSimilarity(query, chunk.embedding),
      }))
      .sort((x, y) => y.score - x.score || x.id.localeCompare(y.id))
      .slice(0, 3);
    expect(hits.map((hit) => `${hit.uploadId}/${hit.chunkIndex}`)).toEqual(expected.map((e) => e.id));
    for (const [i, hit] of hits.entries()) expect(hit.score).toBeCloseTo(expected[i]?.score as number, 10);
    expect(hits[0]).not.toHaveProperty('embedding');
    await store.close();
  });

  it('search filters by model and by upload ids', async () => {
    const store = await create();
    await store.replace('a', [chunkOf('a', 't1', 0, 0)]);
    await store.replace('b', [chunkOf('b', 't2', 0, 0)]);
    await store.replace('c', [chunkOf('c', 't3', 0, 0, 'other-model')]);
    const all = await store.search([1, 0, 0, 0], { k: 10, model: 'm1' });
    expect(all.map((hit) => hit.uploadId).sort()).toEqual(['a', 'b']);
    const onlyB = await store.search([1, 0, 0, 0], { k: 10, model: 'm1', uploadIds: ['b', 'c'] });
    expect(onlyB.map((hit) => hit.uploadId)).toEqual(['b']);
    expect(await store.search([1, 0, 0, 0], { k: 10, model: 'other-model' })).toHaveLength(1);
    await store.close();
  });

  it('replace swaps every chunk of an upload: never chunks of two attempts', async () => {
    const store = await create();
    await store.replace(
      'a',
      [0, 1, 2, 3, 4].map((i) => chunkOf('a', 'first', i, i % 4)),
    );
    await store.replace(
      'a',
      [0, 1].map((i) => chunkOf('a', 'second', i, i)),
    );
    const chunks = await store.chunks('a');
    expect(chunks.map((chunk) => [chunk.attempt, chunk.chunkIndex])).toEqual([
      ['second', 0],
      ['second', 1],
    ]);
    // Concurrent replaces of one upload serialise: the result is one attempt's chunks, whole.
    await Promise.all(
      ['x', 'y', 'z'].map((attempt, n) =>
        store.replace(
          'a',
          Array.from({ length: 3 + n }, (_, i) => chunkOf('a', attempt, i, i % 4)),
        ),
      ),
    );
    const after = await store.chunks('a');
    const attempts = new Set(after.map((chunk) => chunk.attempt));
    expect(attempts.size).toBe(1);
    expect(after).toHaveLength(3 + ['x', 'y', 'z'].indexOf([...attempts][0] as string));
    expect(await store.deleteUpload('a')).toBe(after.length);
    expect(await store.chunks('a')).toEqual([]);
    expect(await store.deleteUpload('a')).toBe(0);
    await store.close();
  });

  it('a zero vector scores 0 instead of NaN', async () => {
    const store = await create();
    await store.replace('z', [{ ...chunkOf('z', 't', 0, 0), embedding: [0, 0, 0, 0] }]);
    const [hit] = await store.search([1, 0, 0, 0], { k: 1, model: 'm1' });
    expect(hit?.score).toBe(0);
    await store.close();
  });
}
