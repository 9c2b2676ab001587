import type { Chunk } from '../chunking/chunker.ts';
import type { Embedder } from '../embedder/embedder.ts';
import { runStage, type StageContext } from './stage-context.ts';

/** Stage 4: one vector per chunk, `embedder.batchSize` at a time, checking for a revoke between batches. */
export function embedStage(embedder: Embedder, chunks: readonly Chunk[], context: StageContext): Promise<number[][]> {
  return runStage('embed', context, async () => {
    const batches = Math.ceil(chunks.length / embedder.batchSize);
    await context.progress.report('embed', 0, `Embedding ${chunks.length} chunks in ${batches} batches`);
    const vectors: number[][] = [];
    for (let batch = 0; batch < batches; batch++) {
      context.signal.throwIfAborted();
      const texts = chunks.slice(batch * embedder.batchSize, (batch + 1) * embedder.batchSize).map((c) => c.text);
      const got = await embedder.embed(texts, { signal: context.signal });
      if (got.length !== texts.length) {
        throw new Error(`${embedder.model} returned ${got.length} vectors for ${texts.length} texts.`);
      }
      for (const vector of got) {
        if (vector.length === 0 || !vector.every(Number.isFinite)) {
          throw new Error(`${embedder.model} returned an empty vector or one with non-finite numbers.`);
        }
        vectors.push(vector);
      }
      await context.progress.report('embed', (batch + 1) / batches, `Embedded batch ${batch + 1} of ${batches}`);
    }
    return vectors;
  });
}
