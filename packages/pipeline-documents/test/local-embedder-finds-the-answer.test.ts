import { afterAll, describe, expect, it } from 'vitest';
import { cosineSimilarity, FileVectorStore, LocalHashEmbedder, type StoredChunk, TextChunker } from '../src/index.ts';
import { readSample, removeTempDirs, tempDir } from './helpers.ts';

afterAll(removeTempDirs);

describe('LocalHashEmbedder', () => {
  it('is deterministic, l2-normalised and of the configured size', async () => {
    const embedder = new LocalHashEmbedder({ dimensions: 256 });
    const [a, b, c] = await embedder.embed(['Paid parental leave', 'Paid parental leave', 'Forklift certificates']);
    expect(a).toHaveLength(256);
    expect(a).toEqual(b);
    expect(Math.hypot(...(a as number[]))).toBeCloseTo(1, 10);
    expect(cosineSimilarity(a as number[], c as number[])).toBeLessThan(0.2);
    expect(embedder.model).toBe('local-hash-v1:256');
    const [empty] = await embedder.embed(['the and of']);
    expect(empty?.every((x) => x === 0)).toBe(true);
  });

  it('matches plurals and accents, and weights shared bigrams', async () => {
    const embedder = new LocalHashEmbedder();
    const [question, answer, scrambled] = await embedder.embed([
      'parental leave for a secondary caregiver',
      'Secondary caregivers receive six weeks of paid parental leave.',
      'Leave parental six weeks; caregivers secondary receive.',
    ]);
    const direct = cosineSimilarity(question as number[], answer as number[]);
    expect(direct).toBeGreaterThan(0.4);
    expect(direct).toBeGreaterThan(cosineSimilarity(question as number[], scrambled as number[]));
    const [cafe, café] = await embedder.embed(['cafe policy', 'Café policies']);
    expect(cosineSimilarity(cafe as number[], café as number[])).toBeCloseTo(1, 10);
  });

  it('a batch delay ends early when the signal aborts, with its reason', async () => {
    const embedder = new LocalHashEmbedder({ batchDelayMs: 10_000 });
    const controller = new AbortController();
    const reason = new Error('revoked');
    const pending = embedder.embed(['x'], { signal: controller.signal });
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });
});

describe('top-k retrieval with the local embedder over a document of ≥ 20 chunks with distractors', () => {
  // Each question's answer sits in one section; neighbouring sections talk about leave, approvals,
  // money per kilometre and yearly dates too.
  const cases = [
    ['How many weeks of paid parental leave do secondary caregivers get?', 'Secondary caregivers receive six weeks'],
    ['How much does the cycle-to-work scheme pay per kilometre?', 'The cycle-to-work scheme pays 0.20 euros'],
    ['Who approves weekend overtime?', 'Weekend overtime must be approved in advance by the site operations manager'],
    ['When do performance reviews take place?', 'Performance reviews take place every year in November'],
    ['How many days of annual leave does a full-time employee receive?', 'receives 28 days of annual leave'],
    ['How long must forklift certificates stay valid before renewal?', 'renewed every three years'],
  ] as const;

  it.each(cases)('%s', async (question, answer) => {
    const text = (await readSample('employee-handbook.md')).toString('utf8');
    const chunks = new TextChunker({ size: 400, overlap: 60 }).chunk(text);
    expect(chunks.length).toBeGreaterThanOrEqual(20);
    const embedder = new LocalHashEmbedder();
    const vectors = await embedder.embed(chunks.map((chunk) => chunk.text));
    const store = new FileVectorStore(`${await tempDir('retrieval')}/vectors.json`);
    const stored: StoredChunk[] = chunks.map((chunk, i) => ({
      uploadId: 'handbook',
      attempt: 'a1',
      filename: 'employee-handbook.md',
      model: embedder.model,
      chunkIndex: chunk.index,
      text: chunk.text,
      start: chunk.start,
      end: chunk.end,
      embedding: vectors[i] as number[],
    }));
    await store.replace('handbook', stored);
    const [query] = await embedder.embed([question]);
    const hits = await store.search(query as number[], { k: 3, model: embedder.model });
    expect(hits).toHaveLength(3);
    expect(hits[0]?.text).toContain(answer);
    expect(hits[0]?.score).toBeGreaterThan((hits[1]?.score ?? 0) + 0.05);
  });
});
