import type OpenAI from 'openai';
import { type OpenAIConnectionOptions, openaiClient } from '../openai/client.ts';
import { toModelError } from '../openai/model-errors.ts';
import type { ChatModel, ChatTurn } from './chat-model.ts';

/** Options of `OpenAIChatModel`. */
export interface OpenAIChatModelOptions extends OpenAIConnectionOptions {
  /** @default 'gpt-4o-mini' */
  model?: string;
  /** @default 0.2: answers should stick to the passages */
  temperature?: number;
  /** Cap on the reply's tokens. @default the service's own */
  maxTokens?: number;
}

/** Answers through any OpenAI-compatible `/v1/chat/completions` endpoint, with the same error mapping as the embedder. */
export class OpenAIChatModel implements ChatModel {
  readonly model: string;
  readonly #options: OpenAIChatModelOptions;
  #client: Promise<OpenAI> | undefined;

  constructor(options: OpenAIChatModelOptions = {}) {
    this.#options = options;
    this.model = `openai:${options.model ?? 'gpt-4o-mini'}`;
  }

  async complete(messages: ChatTurn[], options: { signal?: AbortSignal } = {}): Promise<string> {
    this.#client ??= openaiClient(this.#options);
    const client = await this.#client;
    const { maxTokens } = this.#options;
    try {
      const completion = await client.chat.completions.create(
        {
          model: this.#options.model ?? 'gpt-4o-mini',
          messages,
          temperature: this.#options.temperature ?? 0.2,
          ...(maxTokens === undefined ? {} : { max_tokens: maxTokens }),
        },
        { signal: options.signal ?? null },
      );
      return completion.choices[0]?.message.content?.trim() ?? '';
    } catch (error) {
      throw await toModelError(error, 'answer', options.signal);
    }
  }
}
