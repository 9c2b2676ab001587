import { parseStageFailure } from '@celeriac/pipeline-documents';
import type { FastifyInstance } from 'fastify';
import type { CompanyOn } from '../company-on.ts';
import { safeId } from '../http-errors.ts';

/** `GET /tasks/:id` → `{ task_id, state, meta | result | error: { name, stage, reason } }`. */
export function taskRoutes(fastify: FastifyInstance, service: CompanyOn): void {
  fastify.get<{ Params: { id: string } }>('/tasks/:id', async (request) => {
    const taskId = safeId('task', request.params.id);
    const result = service.app.result(taskId);
    const state = await result.state();
    const info = await result.info();
    const body: Record<string, unknown> = { task_id: taskId, state };
    if (state === 'FAILURE' && info !== null && typeof info === 'object' && 'message' in info) {
      const failure = parseStageFailure(info as { name: string; message: string });
      body.error = { name: failure.name, stage: failure.stage ?? null, reason: failure.reason };
    } else if (state === 'SUCCESS') body.result = info;
    else body.meta = info;
    return body;
  });
}
