import type OpenAI from 'openai';

/** How to reach an OpenAI-compatible service. */
export interface OpenAIConnectionOptions {
  /** @default process.env.OPENAI_API_KEY */
  apiKey?: string;
  /** Any OpenAI-compatible endpoint (vLLM, Ollama, LM Studio, a proxy). @default process.env.OPENAI_BASE_URL, else OpenAI's */
  baseURL?: string;
  /**
   * Retries inside the SDK, within one task run. @default 0: a 429 or 5xx becomes a
   * `RetryableModelError` and the task retries with its own backoff (visible as RETRY, without
   * holding a worker slot while it waits, and never multiplied by a second retry layer).
   */
  maxRetries?: number;
  /** Per-request timeout, milliseconds. @default 60000 */
  timeoutMs?: number;
  /** A ready client instead of the options above (tests, custom fetch, proxies). */
  client?: OpenAI;
}

/** The SDK client for these options, created on first use (the SDK is loaded lazily). */
export async function openaiClient(options: OpenAIConnectionOptions): Promise<OpenAI> {
  if (options.client !== undefined) return options.client;
  const { default: OpenAIClient } = await import('openai');
  return new OpenAIClient({
    apiKey: options.apiKey ?? process.env.OPENAI_API_KEY,
    baseURL: options.baseURL ?? process.env.OPENAI_BASE_URL ?? null,
    maxRetries: options.maxRetries ?? 0,
    timeout: options.timeoutMs ?? 60_000,
  });
}
