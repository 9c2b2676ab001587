import { TimeoutError } from '@celeriac/core';
import type { FastifyInstance } from 'fastify';
import type { CompanyOn } from '../company-on.ts';
import { HttpError, safeId } from '../http-errors.ts';

/**
 * `POST /chat/:sessionId` with `{ question, upload_ids? }` → `{ answer, sources, task_id }`, waiting
 * up to `timeoutMs` for the worker's answer (else 504 with the task id to poll).
 */
export function chatRoutes(fastify: FastifyInstance, service: CompanyOn, timeoutMs: number): void {
  fastify.post<{ Params: { sessionId: string } }>(
    '/chat/:sessionId',
    { bodyLimit: 64 * 1024 },
    async (request, reply) => {
      const sessionId = safeId('session', request.params.sessionId);
      const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as {
        question?: unknown;
        upload_ids?: unknown;
      };
      const question = typeof body.question === 'string' ? body.question.trim() : '';
      if (question === '') {
        throw new HttpError(400, 'Send { "question": "…" } with a non-empty question, as application/json.');
      }
      let uploadIds: string[] | null = null;
      if (body.upload_ids !== undefined && body.upload_ids !== null) {
        if (!Array.isArray(body.upload_ids) || !body.upload_ids.every((id) => typeof id === 'string'))
          throw new HttpError(400, '"upload_ids" must be an array of upload ids.');
        uploadIds = body.upload_ids.map((id: string) => safeId('upload', id));
      }
      const result = await service.pipeline.tasks.answer.delay(sessionId, question, uploadIds);
      try {
        const answer = await result.get({ timeout: timeoutMs });
        return { answer: answer.answer, sources: answer.sources, task_id: result.id };
      } catch (error) {
        if (!(error instanceof TimeoutError)) throw error;
        return reply.code(504).send({
          error: `No answer within ${timeoutMs / 1000} s; poll /tasks/${result.id}.`,
          task_id: result.id,
        });
      }
    },
  );
}
