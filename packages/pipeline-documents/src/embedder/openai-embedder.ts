import type OpenAI from 'openai';
import { type OpenAIConnectionOptions, openaiClient } from '../openai/client.ts';
import { toModelError } from '../openai/model-errors.ts';
import type { Embedder, EmbedOptions } from './embedder.ts';

/** Options of `OpenAIEmbedder`. */
export interface OpenAIEmbedderOptions extends OpenAIConnectionOptions {
  /** @default 'text-embedding-3-small' */
  model?: string;
  /** Ask the model for shorter vectors (text-embedding-3 models support it). @default the model's own */
  dimensions?: number;
  /** Texts per request. @default 64 */
  batchSize?: number;
}

/**
 * Embeddings from any OpenAI-compatible `/v1/embeddings` endpoint through the openai SDK. Errors
 * are mapped by `toModelError`: 429/5xx/timeouts throw `RetryableModelError`, which the
 * pipeline's tasks retry with backoff (honouring `Retry-After`).
 */
export class OpenAIEmbedder implements Embedder {
  readonly model: string;
  readonly batchSize: number;
  readonly #options: OpenAIEmbedderOptions;
  #client: Promise<OpenAI> | undefined;

  constructor(options: OpenAIEmbedderOptions = {}) {
    this.#options = options;
    const name = options.model ?? 'text-embedding-3-small';
    this.model = options.dimensions === undefined ? `openai:${name}` : `openai:${name}:${options.dimensions}`;
    this.batchSize = options.batchSize ?? 64;
  }

  async embed(texts: string[], options: EmbedOptions = {}): Promise<number[][]> {
    if (texts.length === 0) return [];
    this.#client ??= openaiClient(this.#options);
    const client = await this.#client;
    const { dimensions } = this.#options;
    try {
      const response = await client.embeddings.create(
        {
          model: this.#options.model ?? 'text-embedding-3-small',
          input: texts,
          encoding_format: 'float',
          ...(dimensions === undefined ? {} : { dimensions }),
        },
        { signal: options.signal ?? null },
      );
      const vectors: (number[] | undefined)[] = texts.map(() => undefined);
      for (const item of response.data) vectors[item.index] = item.embedding;
      if (response.data.length !== texts.length || vectors.includes(undefined)) {
        throw new Error(`The embeddings service returned ${response.data.length} vectors for ${texts.length} texts.`);
      }
      return vectors as number[][];
    } catch (error) {
      throw await toModelError(error, 'embed', options.signal);
    }
  }
}
