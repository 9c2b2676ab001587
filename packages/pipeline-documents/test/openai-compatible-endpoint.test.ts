import { TaskFailedError, type TaskRetriedEvent } from '@celeriac/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hashFeatures } from '../src/embedder/hash-features.ts';
import {
  createChatModelFromEnv,
  createEmbedderFromEnv,
  LocalHashEmbedder,
  ModelRequestError,
  OpenAIChatModel,
  OpenAIEmbedder,
  parseStageFailure,
  RetryableModelError,
} from '../src/index.ts';
import { closeApps, removeTempDirs, waitFor } from './helpers.ts';
import { OpenAICompatibleServer } from './openai-compatible-server.ts';
import { startPipeline } from './pipeline-harness.ts';

const server = new OpenAICompatibleServer(64);
let baseURL = '';

beforeAll(async () => {
  baseURL = await server.start();
});
afterAll(async () => {
  await server.close();
  await removeTempDirs();
});
afterEach(closeApps);

const embedderFor = (options: { batchSize?: number } = {}) =>
  new OpenAIEmbedder({ apiKey: 'test-key', baseURL, model: 'test-embedding', ...options });

describe('OpenAIEmbedder and OpenAIChatModel against a local OpenAI-compatible server', () => {
  it('embeds through the real openai SDK, with the key, model and texts it was given', async () => {
    const embedder = embedderFor({ batchSize: 3 });
    expect(embedder.model).toBe('openai:test-embedding');
    const before = server.countOf('/v1/embeddings');
    const vectors = await embedder.embed(['alpha beta', 'gamma']);
    expect(vectors).toEqual([hashFeatures('alpha beta', 64), hashFeatures('gamma', 64)]);
    const request = server.requests.at(-1);
    expect(request).toMatchObject({
      path: '/v1/embeddings',
      authorization: 'Bearer test-key',
      body: { model: 'test-embedding', input: ['alpha beta', 'gamma'], encoding_format: 'float' },
    });
    expect(server.countOf('/v1/embeddings')).toBe(before + 1);
    expect(await embedder.embed([])).toEqual([]);
  });

  it('maps 429 and 5xx to RetryableModelError (with Retry-After), 4xx to ModelRequestError, one request each', async () => {
    const embedder = embedderFor();
    const before = server.countOf('/v1/embeddings');
    server.failNext('/v1/embeddings', { status: 429, headers: { 'retry-after': '7' }, message: 'slow down' });
    const limited = await embedder.embed(['x']).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(RetryableModelError);
    expect(limited).toMatchObject({ status: 429, retryAfter: 7, stage: 'embed' });
    expect((limited as Error).message).toMatch(/^\[embed\] The model service is unavailable: HTTP 429/);

    server.failNext('/v1/embeddings', { status: 503 });
    expect(await embedder.embed(['x']).catch((e: unknown) => e)).toMatchObject({ status: 503, retryAfter: undefined });

    server.failNext('/v1/embeddings', { status: 401, message: 'bad key' });
    const refused = await embedder.embed(['x']).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ModelRequestError);
    expect((refused as Error).message).toMatch(/HTTP 401 .*What to do: check OPENAI_API_KEY/);
    // The SDK's own retries are off (maxRetries 0): the task decides, so each call made one request.
    expect(server.countOf('/v1/embeddings')).toBe(before + 3);

    const unreachable = new OpenAIEmbedder({ apiKey: 'k', baseURL: 'http://127.0.0.1:9/v1' });
    expect(await unreachable.embed(['x']).catch((e: unknown) => e)).toBeInstanceOf(RetryableModelError);
  });

  it('an aborted request rejects with the signal’s reason', async () => {
    const controller = new AbortController();
    const reason = new Error('revoked');
    controller.abort(reason);
    await expect(embedderFor().embed(['x'], { signal: controller.signal })).rejects.toBe(reason);
  });

  it('the chat model sends the conversation and returns the reply', async () => {
    const chat = new OpenAIChatModel({ apiKey: 'test-key', baseURL, model: 'test-chat' });
    const reply = await chat.complete([
      { role: 'system', content: 'Passages:\n[1] a.txt, chunk 0:\nThe sky is green here.' },
      { role: 'user', content: 'What colour is the sky?' },
    ]);
    expect(reply).toBe('Model answer: The sky is green here. [1]');
    expect(server.requests.at(-1)?.body).toMatchObject({ model: 'test-chat', temperature: 0.2 });
  });

  it('createEmbedderFromEnv / createChatModelFromEnv pick OpenAI when OPENAI_API_KEY is set, else offline', () => {
    expect(createEmbedderFromEnv({})).toBeInstanceOf(LocalHashEmbedder);
    expect(createEmbedderFromEnv({ OPENAI_API_KEY: '  ' })).toBeInstanceOf(LocalHashEmbedder);
    const remote = createEmbedderFromEnv({
      OPENAI_API_KEY: 'k',
      OPENAI_BASE_URL: baseURL,
      OPENAI_EMBEDDING_MODEL: 'e5',
    });
    expect(remote).toBeInstanceOf(OpenAIEmbedder);
    expect(remote.model).toBe('openai:e5');
    expect(createChatModelFromEnv({})).toBeUndefined();
    expect(createChatModelFromEnv({ OPENAI_API_KEY: 'k' })?.model).toBe('openai:gpt-4o-mini');
  });
});

describe('the pipeline on the OpenAI path, through real Celeriac tasks on the memory broker', () => {
  it('a 429 retries documents.process (Retry-After 0), then it succeeds; chat.answer answers through the model', async () => {
    const h = await startPipeline({
      embedder: embedderFor({ batchSize: 4 }),
      chatModel: new OpenAIChatModel({ apiKey: 'test-key', baseURL, model: 'test-chat' }),
    });
    const upload = await h.upload('travel-policy.pdf');
    server.failNext('/v1/embeddings', { status: 429, headers: { 'retry-after': '0' } });
    const before = server.countOf('/v1/embeddings');
    const { result } = await h.pipeline.start(upload.id);
    const done = await result.get({ timeout: 20_000 });
    expect(done).toMatchObject({ model: 'openai:test-embedding', attempt: result.id });

    const retried = await waitFor(() =>
      h.events.find((event): event is TaskRetriedEvent => event.type === 'task-retried' && event.taskId === result.id),
    );
    expect(retried.retries).toBe(1);
    expect(retried.error.name).toBe('RetryableModelError');
    expect(retried.error.message).toMatch(/HTTP 429/);
    expect(server.countOf('/v1/embeddings') - before).toBe(1 + Math.ceil(done.chunks / 4));
    expect(await h.vectorStore.chunks(upload.id)).toHaveLength(done.chunks);

    const first = await (
      await h.pipeline.tasks.answer.delay('s1', 'What is the daily meal allowance for domestic travel?')
    ).get({ timeout: 10_000 });
    expect(first).toMatchObject({ mode: 'model', model: 'openai:test-chat' });
    expect(first.answer).toMatch(/^Model answer: [\s\S]*45 euros/);
    expect(first.sources[0]?.upload_id).toBe(upload.id);
    const system = (server.requests.at(-1)?.body.messages as { role: string; content: string }[] | undefined)?.[0];
    expect(system?.content).toMatch(/using only the numbered passages[\s\S]*\[1\] travel-policy\.pdf, chunk \d+:/);

    // The second question carries the session's history to the model.
    await (await h.pipeline.tasks.answer.delay('s1', 'And for international travel?')).get({ timeout: 10_000 });
    const messages = server.requests.at(-1)?.body.messages as { role: string }[] | undefined;
    expect(messages?.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
  });

  it('a 503 without Retry-After backs off through autoretryFor; when retries run out the FAILURE names the stage', async () => {
    const h = await startPipeline({
      embedder: embedderFor({ batchSize: 64 }),
      retry: { maxRetries: 2, retryBackoff: 0.05, retryBackoffMax: 1 },
    });
    const upload = await h.upload('remote-work.docx');
    server.failNext('/v1/embeddings', { status: 503 }, { status: 502 });
    const ok = await (await h.pipeline.start(upload.id)).result.get({ timeout: 20_000 });
    expect(ok.chunks).toBeGreaterThan(0);

    server.failNext('/v1/embeddings', { status: 500 }, { status: 500 }, { status: 500 });
    const { result } = await h.pipeline.restart(upload.id);
    const error = await result.get({ timeout: 20_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(parseStageFailure((error as TaskFailedError).remote)).toMatchObject({
      stage: 'embed',
      name: 'RetryableModelError',
    });
    const retries = h.events.filter((event) => event.type === 'task-retried' && event.taskId === result.id);
    expect(retries).toHaveLength(2);
    // The failed attempt stored nothing; the previous attempt's chunks are still there, whole.
    const stored = await h.vectorStore.chunks(upload.id);
    expect(stored).toHaveLength(ok.chunks);
    expect(new Set(stored.map((chunk) => chunk.attempt)).size).toBe(1);
  });
});
