import type { ResultRecord } from '@celeriac/core';
import type { MonitorContext, Route } from '../context.ts';
import { sendError, sendJson } from '../http/response.ts';
import type { TaskSnapshot, TimelineEntry } from '../task-history.ts';
import { intParam, listParam, timeParam } from './params.ts';

/** A task known only from the result backend (sent before the monitor started, or dropped from history). */
function fromRecord(record: ResultRecord): TaskSnapshot {
  const done = record.dateDone === null ? null : Date.parse(record.dateDone);
  return {
    id: record.taskId,
    name: record.name,
    state: record.state,
    args: record.args ?? null,
    queue: record.queue ?? null,
    worker: record.worker ?? null,
    retries: record.retries,
    sentAt: null,
    receivedAt: null,
    startedAt: null,
    finishedAt: done,
    runtime: null,
    updatedAt: done ?? Date.now(),
    ...(record.result !== undefined ? { result: record.result } : {}),
    ...(record.error !== undefined ? { error: record.error } : {}),
    ...(record.meta !== undefined ? { meta: record.meta } : {}),
  };
}

/** Everything known of one task: history snapshot merged with the backend's record, timeline, logs. */
export async function taskDetail(
  ctx: MonitorContext,
  id: string,
): Promise<{ task: TaskSnapshot; timeline: TimelineEntry[]; record: ResultRecord | null; logs: string[] } | undefined> {
  let record: ResultRecord | null = null;
  let logs: string[] = [];
  if (ctx.app.resultsEnabled) {
    const result = ctx.app.result(id);
    [record, logs] = await Promise.all([result.record(), result.logs()]);
    if (record !== null) ctx.history.applyRecord(record);
  }
  const known = ctx.history.get(id);
  if (known === undefined && record === null) return undefined;
  const task = known?.task ?? fromRecord(record!);
  if (record !== null) {
    task.name ??= record.name;
    task.args ??= record.args ?? null;
    task.queue ??= record.queue ?? null;
    task.worker ??= record.worker ?? null;
    if (task.result === undefined && record.result !== undefined) task.result = record.result;
    if (record.error !== undefined && (task.error === undefined || task.error.stack === undefined))
      task.error = record.error;
  }
  return { task, timeline: known?.timeline ?? [], record, logs };
}

export const taskRoutes: Route[] = [
  {
    method: 'GET',
    pattern: '/api/tasks',
    handle({ res, query, ctx }) {
      const limit = intParam(query, 'limit', 100, 1000);
      const offset = intParam(query, 'offset', 0, Number.MAX_SAFE_INTEGER);
      const { total, tasks } = ctx.history.list({
        states: listParam(query, 'state').map((state) => state.toUpperCase()),
        name: query.get('name') ?? undefined,
        worker: query.get('worker') ?? undefined,
        since: timeParam(query, 'since'),
        until: timeParam(query, 'until'),
        limit,
        offset,
      });
      sendJson(res, 200, { total, limit, offset, tasks });
    },
  },
  {
    method: 'GET',
    pattern: '/api/tasks/:id',
    async handle({ res, params, ctx }) {
      const detail = await taskDetail(ctx, params.id!);
      if (detail === undefined)
        return sendError(res, 404, `No task ${params.id} is known to the monitor or the result backend.`);
      sendJson(res, 200, { ...detail, task: { ...detail.task, timeline: detail.timeline } });
    },
  },
  {
    method: 'GET',
    pattern: '/api/throughput',
    handle({ res, ctx }) {
      sendJson(res, 200, { bucketMs: ctx.throughput.bucketMs, buckets: ctx.throughput.series() });
    },
  },
  {
    method: 'GET',
    pattern: '/api/config',
    handle({ res, ctx }) {
      sendJson(res, 200, {
        readOnly: ctx.settings.readOnly,
        auth: ctx.auth.kind,
        maxTasks: ctx.settings.maxTasks,
        tasksHeld: ctx.history.size,
        states: ctx.history.countByState(),
        taskNames: ctx.history.names,
        queues: ctx.knownQueues(),
        resultsEnabled: ctx.app.resultsEnabled,
      });
    },
  },
];
