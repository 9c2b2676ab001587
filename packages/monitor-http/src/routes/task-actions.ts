import { type Json, parseRate } from '@celeriac/core';
import type { Route } from '../context.ts';
import { BadRequestError, readJsonObject } from '../http/request.ts';
import { sendError, sendJson } from '../http/response.ts';
import { gatherOptions } from './params.ts';
import { taskDetail } from './tasks.ts';

/** States a task may be re-sent from. */
const RETRYABLE = new Set(['FAILURE', 'REVOKED']);

export const taskActionRoutes: Route[] = [
  {
    method: 'POST',
    pattern: '/api/tasks/:id/revoke',
    action: true,
    async handle({ req, res, params, ctx }) {
      const body = await readJsonObject(req, ctx.settings.maxBodyBytes);
      if (body.terminate !== undefined && typeof body.terminate !== 'boolean') {
        throw new BadRequestError('"terminate" must be true or false.');
      }
      const terminate = body.terminate === true;
      await ctx.app.control.revoke(params.id!, { terminate });
      const record = ctx.app.resultsEnabled ? await ctx.app.result(params.id!).record() : null;
      if (record !== null) ctx.history.applyRecord(record);
      sendJson(res, 202, { taskId: params.id, revoked: true, terminate, state: record?.state ?? null });
    },
  },
  {
    method: 'POST',
    pattern: '/api/tasks/:id/retry',
    action: true,
    async handle({ req, res, params, ctx }) {
      await readJsonObject(req, ctx.settings.maxBodyBytes);
      const detail = await taskDetail(ctx, params.id!);
      if (detail === undefined)
        return sendError(res, 404, `No task ${params.id} is known to the monitor or the result backend.`);
      const { task } = detail;
      if (!RETRYABLE.has(task.state)) {
        return sendError(
          res,
          409,
          `Task ${task.id} is ${task.state}: only a FAILURE (or REVOKED) task can be retried.`,
        );
      }
      if (task.name === null || task.args === null) {
        return sendError(
          res,
          409,
          `The name or arguments of task ${task.id} are unknown (the monitor did not see it sent, and the backend kept none).`,
        );
      }
      const args: Json[] = task.args;
      const result = await ctx.app.sendTask(task.name, args, task.queue === null ? {} : { queue: task.queue });
      ctx.history.linkRetry(task.id, result.id, task.name, args, task.queue);
      sendJson(res, 201, { taskId: result.id, retryOf: task.id, name: task.name, queue: task.queue });
    },
  },
  {
    method: 'POST',
    pattern: '/api/tasks/:name/rate-limit',
    action: true,
    async handle({ req, res, params, ctx }) {
      const body = await readJsonObject(req, ctx.settings.maxBodyBytes);
      const rate = body.rate;
      if (rate !== null && typeof rate !== 'string') {
        throw new BadRequestError('"rate" must be a rate such as "10/s", "100/m" or "1000/h", or null to remove it.');
      }
      if (rate !== null) {
        try {
          parseRate(rate);
        } catch (error) {
          throw new BadRequestError((error as Error).message);
        }
      }
      const replies = await ctx.app.control.rateLimit(params.name!, rate, gatherOptions(ctx));
      sendJson(res, 200, { task: params.name, rate, workers: Object.keys(replies) });
    },
  },
];
