/** A chunk as the vector store keeps it: text, where it came from, and its embedding. */
export interface StoredChunk {
  uploadId: string;
  /** Task id of the attempt that stored it: all chunks of an upload share one. */
  attempt: string;
  /** The upload's file name, kept here so answers can cite it without reading the storage. */
  filename: string;
  /** The embedder's `model`: searches compare only vectors of the same model. */
  model: string;
  chunkIndex: number;
  text: string;
  /** Offsets in the extracted text. */
  start: number;
  end: number;
  /** 1-based page where the chunk starts (PDF only). */
  page?: number;
  embedding: number[];
}

/** A search result: the chunk without its vector, and its cosine similarity to the query (-1…1). */
export interface SearchHit {
  uploadId: string;
  attempt: string;
  filename: string;
  model: string;
  chunkIndex: number;
  text: string;
  start: number;
  end: number;
  page?: number;
  score: number;
}

/** What to search. */
export interface SearchOptions {
  /** How many hits at most. */
  k: number;
  /** Only chunks embedded by this model (the query's). */
  model: string;
  /** Only these uploads; every upload when absent or empty. */
  uploadIds?: string[];
}

/**
 * The storing stage's interface. Idempotent by upload: `replace` swaps all of an upload's chunks
 * in one atomic write (a transaction, or one file rename), so the store never holds chunks of two
 * attempts at the same upload, and a re-run after a crash leaves no duplicates.
 */
export interface VectorStore {
  /** Delete the upload's previous chunks and store these, atomically. An empty list just deletes. */
  replace(uploadId: string, chunks: StoredChunk[]): Promise<void>;
  /** Cosine top-k, best first (ties by upload id, then chunk index). */
  search(vector: number[], options: SearchOptions): Promise<SearchHit[]>;
  /** The upload's chunks in order. */
  chunks(uploadId: string): Promise<StoredChunk[]>;
  /** Remove the upload's chunks; returns how many there were. */
  deleteUpload(uploadId: string): Promise<number>;
  /** Release connections or handles the store opened. */
  close(): Promise<void>;
}

/** A hit from a stored chunk and its score. */
export function toHit(chunk: StoredChunk, score: number): SearchHit {
  const { embedding: _embedding, ...rest } = chunk;
  return { ...rest, score };
}
