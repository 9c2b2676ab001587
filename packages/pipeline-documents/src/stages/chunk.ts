import type { Chunk, Chunker } from '../chunking/chunker.ts';
import type { ExtractedDocument } from '../extraction/extractor.ts';
import { runStage, type StageContext } from './stage-context.ts';

/** A chunk with the page it starts on, when the document has pages. */
export interface PagedChunk extends Chunk {
  page?: number;
}

/** 1-based page containing `offset`, from the pages' start offsets. */
function pageAt(pageOffsets: readonly number[], offset: number): number {
  let page = 1;
  while (page < pageOffsets.length && (pageOffsets[page] as number) <= offset) page++;
  return page;
}

/** Stage 3: cut the text into chunks. */
export function chunkStage(
  chunker: Chunker,
  document: ExtractedDocument,
  context: StageContext,
): Promise<PagedChunk[]> {
  return runStage('chunk', context, async () => {
    await context.progress.report('chunk', 0, 'Splitting the text into chunks');
    const chunks: PagedChunk[] = chunker.chunk(document.text);
    const offsets = document.pageOffsets;
    if (offsets !== undefined && offsets.length > 0) {
      for (const chunk of chunks) chunk.page = pageAt(offsets, chunk.start);
    }
    await context.progress.report('chunk', 1, `Split into ${chunks.length} chunks`);
    return chunks;
  });
}
