import { decodeEnvelope } from '../broker/message.ts';
import type { Json } from '../json/json.ts';
import type { Run } from './run-state.ts';

/** A held delivery as `inspect()` lists it. */
export function summarize(run: Run, active: boolean): Json {
  const ctx = run.ctx;
  if (ctx !== undefined) {
    return {
      id: ctx.id,
      name: ctx.name,
      args: ctx.args as Json[],
      queue: ctx.queue,
      retries: ctx.retries,
      startedAt: run.startedAt,
    };
  }
  try {
    const { headers, body } = decodeEnvelope(run.delivery.body);
    const summary = {
      id: headers.id,
      name: headers.task,
      args: body[0],
      queue: run.delivery.queue,
      retries: headers.retries,
    };
    return active ? { ...summary, startedAt: run.startedAt } : summary;
  } catch {
    return { id: run.delivery.id, name: 'unknown', args: [], queue: run.delivery.queue, retries: 0 };
  }
}
