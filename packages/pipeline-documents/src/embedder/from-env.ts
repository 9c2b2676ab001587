import type { ChatModel } from '../chat/chat-model.ts';
import { OpenAIChatModel } from '../chat/openai-chat-model.ts';
import type { Embedder } from './embedder.ts';
import { LocalHashEmbedder } from './local-hash-embedder.ts';
import { OpenAIEmbedder } from './openai-embedder.ts';

/** The environment variables the `…FromEnv` factories read. */
export type ModelEnv = Partial<
  Record<'OPENAI_API_KEY' | 'OPENAI_BASE_URL' | 'OPENAI_EMBEDDING_MODEL' | 'OPENAI_CHAT_MODEL', string>
>;

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/**
 * `OpenAIEmbedder` when `OPENAI_API_KEY` is set (with `OPENAI_BASE_URL` and
 * `OPENAI_EMBEDDING_MODEL`, default `text-embedding-3-small`), else `LocalHashEmbedder`, so the
 * pipeline runs offline with no configuration.
 */
export function createEmbedderFromEnv(env: ModelEnv = process.env): Embedder {
  const apiKey = nonEmpty(env.OPENAI_API_KEY);
  if (apiKey === undefined) return new LocalHashEmbedder();
  const baseURL = nonEmpty(env.OPENAI_BASE_URL);
  const model = nonEmpty(env.OPENAI_EMBEDDING_MODEL);
  return new OpenAIEmbedder({
    apiKey,
    ...(baseURL === undefined ? {} : { baseURL }),
    ...(model === undefined ? {} : { model }),
  });
}

/**
 * `OpenAIChatModel` when `OPENAI_API_KEY` is set (`OPENAI_CHAT_MODEL`, default `gpt-4o-mini`),
 * else `undefined`: `chat.answer` then answers extractively with the best passages.
 */
export function createChatModelFromEnv(env: ModelEnv = process.env): ChatModel | undefined {
  const apiKey = nonEmpty(env.OPENAI_API_KEY);
  if (apiKey === undefined) return undefined;
  const baseURL = nonEmpty(env.OPENAI_BASE_URL);
  const model = nonEmpty(env.OPENAI_CHAT_MODEL);
  return new OpenAIChatModel({
    apiKey,
    ...(baseURL === undefined ? {} : { baseURL }),
    ...(model === undefined ? {} : { model }),
  });
}
