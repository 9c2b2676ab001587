import { type AsyncResult, Celeriac } from '@celeriac/core';
import { describe, expectTypeOf, it } from 'vitest';
import {
  type ChatAnswer,
  type CleanupResult,
  FileVectorStore,
  LocalDirectoryStorage,
  LocalHashEmbedder,
  type ProcessResult,
  type RetryResult,
  registerDocumentPipeline,
  type StartedAttempt,
} from '../src/index.ts';

// Type tests only: nothing here runs, so the app never connects.
const app = new Celeriac({ broker: 'memory://pipeline-types' });
const pipeline = registerDocumentPipeline(app, {
  storage: new LocalDirectoryStorage('/nonexistent'),
  vectorStore: new FileVectorStore('/nonexistent/vectors.json'),
  embedder: new LocalHashEmbedder(),
});

describe('the pipeline tasks are typed', () => {
  it('documents.process and documents.retry take an upload id', () => {
    expectTypeOf(pipeline.tasks.process.delay).parameters.toEqualTypeOf<[uploadId: string]>();
    expectTypeOf(pipeline.tasks.process.delay).returns.toEqualTypeOf<Promise<AsyncResult<ProcessResult>>>();
    expectTypeOf(pipeline.tasks.retry.delay).returns.toEqualTypeOf<Promise<AsyncResult<RetryResult>>>();
    expectTypeOf(pipeline.start).returns.toEqualTypeOf<Promise<StartedAttempt>>();
    // @ts-expect-error an upload id is a string
    pipeline.tasks.process.delay(42);
  });

  it('chat.answer takes a session, a question and optional upload ids; cleanup an optional age', () => {
    pipeline.tasks.answer.delay('s', 'q');
    pipeline.tasks.answer.delay('s', 'q', ['u1']);
    pipeline.tasks.answer.delay('s', 'q', null);
    // @ts-expect-error the question is required
    pipeline.tasks.answer.delay('s');
    expectTypeOf(pipeline.tasks.answer.delay).returns.toEqualTypeOf<Promise<AsyncResult<ChatAnswer>>>();
    pipeline.tasks.cleanup.delay();
    pipeline.tasks.cleanup.delay(3600);
    expectTypeOf(pipeline.tasks.cleanup.delay).returns.toEqualTypeOf<Promise<AsyncResult<CleanupResult>>>();
  });
});
