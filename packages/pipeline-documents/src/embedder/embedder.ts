/** Options of one `embed()` call. */
export interface EmbedOptions {
  /** Aborting it stops the call as soon as it can, rejecting with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * The embedding stage's interface: texts in, one vector per text out, in order. The pipeline
 * calls it with at most `batchSize` texts at a time and checks for revokes between batches.
 */
export interface Embedder {
  /**
   * Names the vector space, e.g. `openai:text-embedding-3-small` or `local-hash-v1:512`. Stored
   * with every chunk: searches only compare vectors of the same model.
   */
  readonly model: string;
  /** Most texts per `embed()` call. */
  readonly batchSize: number;
  embed(texts: string[], options?: EmbedOptions): Promise<number[][]>;
}
