/** Euclidean length of `vector`. */
export function vectorNorm(vector: readonly number[]): number {
  let sum = 0;
  for (const x of vector) sum += x * x;
  return Math.sqrt(sum);
}

/** Cosine similarity, 0 when either vector is zero or their lengths differ. */
export function cosineSimilarity(a: readonly number[], b: readonly number[], normA: number = vectorNorm(a)): number {
  if (a.length !== b.length) return 0;
  const normB = vectorNorm(b);
  if (normA === 0 || normB === 0) return 0;
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += (a[i] as number) * (b[i] as number);
  return dot / (normA * normB);
}

/** Best first; equal scores in a stable order (upload id, then chunk index). */
export function compareHits(
  a: { score: number; uploadId: string; chunkIndex: number },
  b: { score: number; uploadId: string; chunkIndex: number },
): number {
  return b.score - a.score || a.uploadId.localeCompare(b.uploadId) || a.chunkIndex - b.chunkIndex;
}
