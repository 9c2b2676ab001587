import type { TaskContext } from '@celeriac/core';
import type { Embedder } from '../embedder/embedder.ts';
import { DocumentPipelineError } from '../errors/pipeline-error.ts';
import { ProgressReporter } from '../stages/progress.ts';
import { runStage, type StageContext } from '../stages/stage-context.ts';
import { assertSafeId } from '../storage/ids.ts';
import type { AnswerSource, ChatMessage, SessionStore } from '../storage/session-store.ts';
import type { SearchHit, VectorStore } from '../vector-store/vector-store.ts';
import type { ChatModel, ChatTurn } from './chat-model.ts';
import { extractiveAnswer } from './extractive-answer.ts';

/** The collaborators of `chat.answer`. */
export interface AnswerDependencies {
  embedder: Embedder;
  vectorStore: VectorStore;
  sessions: SessionStore;
  chatModel: ChatModel | undefined;
  topK: number;
  /** Earlier messages of the session sent to the chat model. */
  historyMessages: number;
}

/** What `chat.answer` returns. */
export interface ChatAnswer {
  sessionId: string;
  question: string;
  answer: string;
  /** The passages found, best first; `[n]` in the answer refers to `sources[n - 1]`. */
  sources: AnswerSource[];
  /** `model`: written by the chat model; `extractive`: quoted from the passages. */
  mode: 'model' | 'extractive';
  /** The chat model, when one answered. */
  model: string | null;
}

function toSource(hit: SearchHit): AnswerSource {
  return {
    upload_id: hit.uploadId,
    filename: hit.filename,
    chunk_index: hit.chunkIndex,
    score: Math.round(hit.score * 10_000) / 10_000,
    text: hit.text,
  };
}

/** The system prompt: answer from the numbered passages only, and cite them. */
function instructions(hits: readonly SearchHit[]): string {
  const passages = hits
    .map((hit, i) => `[${i + 1}] ${hit.filename}, chunk ${hit.chunkIndex}:\n${hit.text}`)
    .join('\n\n');
  return (
    'You answer questions about documents the user uploaded, using only the numbered passages below. ' +
    'Cite the passages you use as [n]. If they do not contain the answer, say that the documents do not say.\n\n' +
    `Passages:\n${passages || '(none found)'}`
  );
}

/**
 * `chat.answer`: embed the question, take the top-k chunks (of `uploadIds`, or of every upload),
 * answer through the chat model when one is configured or extractively otherwise, and append
 * both turns to the session's history.
 */
export async function answerQuestion(
  deps: AnswerDependencies,
  ctx: Pick<TaskContext, 'id' | 'signal'>,
  sessionId: string,
  question: string,
  uploadIds: readonly string[] | null | undefined,
): Promise<ChatAnswer> {
  assertSafeId('session', sessionId);
  const asked = typeof question === 'string' ? question.trim() : '';
  const context: StageContext = {
    uploadId: '',
    attempt: ctx.id,
    signal: ctx.signal,
    progress: new ProgressReporter('', async () => undefined),
  };
  if (asked === '') {
    throw new DocumentPipelineError('EMPTY_QUESTION', 'retrieve', 'The question is empty.', {
      hint: 'send a question with some words in it.',
    });
  }
  const askedAt = new Date().toISOString();
  const hits = await runStage('retrieve', context, async () => {
    const [vector] = await deps.embedder.embed([asked], { signal: ctx.signal });
    const found = await deps.vectorStore.search(vector as number[], {
      k: deps.topK,
      model: deps.embedder.model,
      ...(uploadIds?.length ? { uploadIds: [...uploadIds] } : {}),
    });
    return found.filter((hit) => hit.score > 0);
  });
  const chatModel = deps.chatModel;
  const answer = await runStage('answer', context, async () => {
    if (chatModel === undefined) return extractiveAnswer(asked, hits);
    const history = ((await deps.sessions.get(sessionId))?.messages ?? []).slice(-deps.historyMessages);
    const turns: ChatTurn[] = [
      { role: 'system', content: instructions(hits) },
      ...history.map((message): ChatTurn => ({ role: message.role, content: message.content })),
      { role: 'user', content: asked },
    ];
    return chatModel.complete(turns, { signal: ctx.signal });
  });
  const sources = hits.map(toSource);
  const messages: ChatMessage[] = [
    { role: 'user', content: asked, at: askedAt },
    { role: 'assistant', content: answer, at: new Date().toISOString(), sources },
  ];
  await deps.sessions.append(sessionId, messages);
  return {
    sessionId,
    question: asked,
    answer,
    sources,
    mode: chatModel === undefined ? 'extractive' : 'model',
    model: chatModel?.model ?? null,
  };
}
