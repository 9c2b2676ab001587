import { ConfigError } from '@celeriac/core';
import { abortableSleep } from './abortable-sleep.ts';
import type { Embedder, EmbedOptions } from './embedder.ts';
import { hashFeatures } from './hash-features.ts';

/** Options of `LocalHashEmbedder`. */
export interface LocalHashEmbedderOptions {
  /** Vector length. @default 512 */
  dimensions?: number;
  /** Texts per batch (the pipeline reports progress and checks for revokes between batches). @default 64 */
  batchSize?: number;
  /**
   * Wait this long in each `embed()` call, as a remote model would, for demos of live progress and
   * for tests of revoking a running attempt. The wait ends early when the signal aborts. @default 0
   */
  batchDelayMs?: number;
}

/**
 * A deterministic embedder that needs no network and no model: hashed unigram and bigram features
 * of the words (stopwords dropped, l2-normalised). It matches passages by shared words, not by
 * meaning — good enough to find the passage that answers a question phrased with its words, and
 * it makes the whole pipeline run offline. Same text, same vector, on every machine.
 */
export class LocalHashEmbedder implements Embedder {
  readonly model: string;
  readonly batchSize: number;
  readonly dimensions: number;
  readonly #delayMs: number;

  constructor(options: LocalHashEmbedderOptions = {}) {
    this.dimensions = options.dimensions ?? 512;
    this.batchSize = options.batchSize ?? 64;
    this.#delayMs = options.batchDelayMs ?? 0;
    if (!Number.isInteger(this.dimensions) || this.dimensions < 8) {
      throw new ConfigError(`LocalHashEmbedder dimensions must be an integer ≥ 8 (got ${options.dimensions}).`);
    }
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) {
      throw new ConfigError(`LocalHashEmbedder batchSize must be a positive integer (got ${options.batchSize}).`);
    }
    this.model = `local-hash-v1:${this.dimensions}`;
  }

  async embed(texts: string[], options: EmbedOptions = {}): Promise<number[][]> {
    if (this.#delayMs > 0) await abortableSleep(this.#delayMs, options.signal);
    options.signal?.throwIfAborted();
    return texts.map((text) => hashFeatures(text, this.dimensions));
  }
}
