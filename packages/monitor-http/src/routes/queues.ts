import { decodeEnvelope, type Json } from '@celeriac/core';
import type { Route } from '../context.ts';
import { sendError, sendJson } from '../http/response.ts';
import { gatherOptions, intParam, listParam } from './params.ts';

/** Bytes of a dead letter's raw body shown by `GET /api/queues/:name/dead-letters`. */
const BODY_PREVIEW = 4096;

/** What a dead letter's envelope says about its task, when it decodes. */
function describeBody(body: string): { taskId?: string; task?: string; args?: Json; retries?: number } {
  try {
    const { headers, body: payload } = decodeEnvelope(body);
    return { taskId: headers.id, task: headers.task, args: payload[0] as Json, retries: headers.retries };
  } catch {
    return {};
  }
}

export const queueRoutes: Route[] = [
  {
    method: 'GET',
    pattern: '/api/queues',
    async handle({ res, query, ctx }) {
      const names = listParam(query, 'names');
      const queues = names.length > 0 ? names : ctx.knownQueues();
      const broker = await ctx.app.broker();
      const rows = await Promise.all(
        queues.map(async (name) => {
          try {
            return { name, ...(await broker.stats(name)) };
          } catch (error) {
            return { name, error: (error as Error).message };
          }
        }),
      );
      sendJson(res, 200, { queues: rows });
    },
  },
  {
    method: 'POST',
    pattern: '/api/queues/:name/purge',
    action: true,
    async handle({ res, params, ctx }) {
      const purged = await ctx.app.control.purge(params.name!);
      sendJson(res, 200, { queue: params.name, purged });
    },
  },
  {
    method: 'POST',
    pattern: '/api/queues/:name/pause',
    action: true,
    async handle({ res, params, ctx }) {
      const replies = await ctx.app.control.pauseQueue(params.name!, gatherOptions(ctx));
      sendJson(res, 200, { queue: params.name, paused: true, workers: Object.keys(replies) });
    },
  },
  {
    method: 'POST',
    pattern: '/api/queues/:name/resume',
    action: true,
    async handle({ res, params, ctx }) {
      const replies = await ctx.app.control.resumeQueue(params.name!, gatherOptions(ctx));
      sendJson(res, 200, { queue: params.name, paused: false, workers: Object.keys(replies) });
    },
  },
  {
    method: 'GET',
    pattern: '/api/queues/:name/dead-letters',
    async handle({ res, params, query, ctx }) {
      const limit = intParam(query, 'limit', 100, 1000);
      const offset = intParam(query, 'offset', 0, Number.MAX_SAFE_INTEGER);
      const letters = await ctx.app.control.deadLetters(params.name!).list({ limit, offset });
      const deadLetters = letters.map((letter) => ({
        id: letter.id,
        queue: letter.queue,
        reason: letter.reason,
        deadLetteredAt: letter.deadLetteredAt,
        ...describeBody(letter.body),
        body: letter.body.length > BODY_PREVIEW ? `${letter.body.slice(0, BODY_PREVIEW)}…` : letter.body,
      }));
      sendJson(res, 200, { queue: params.name, limit, offset, deadLetters });
    },
  },
  {
    method: 'POST',
    pattern: '/api/queues/:name/dead-letters/:id/requeue',
    action: true,
    async handle({ res, params, ctx }) {
      const requeued = await ctx.app.control.deadLetters(params.name!).requeue(params.id!);
      if (!requeued) return sendError(res, 404, `No dead letter ${params.id} in queue ${params.name}.`);
      sendJson(res, 200, { queue: params.name, id: params.id, requeued });
    },
  },
  ...(['DELETE', 'POST'] as const).map(
    (method): Route => ({
      method,
      pattern: method === 'DELETE' ? '/api/queues/:name/dead-letters/:id' : '/api/queues/:name/dead-letters/:id/delete',
      action: true,
      async handle({ res, params, ctx }) {
        const deleted = await ctx.app.control.deadLetters(params.name!).delete(params.id!);
        if (!deleted) return sendError(res, 404, `No dead letter ${params.id} in queue ${params.name}.`);
        sendJson(res, 200, { queue: params.name, id: params.id, deleted });
      },
    }),
  ),
];
