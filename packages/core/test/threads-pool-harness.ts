import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { assertJson, type Json, type TaskEnvelope } from '@celeriac/core';
import { type Logger, pino } from 'pino';
import type { Task } from '../src/task/task.ts';
import { ExecutionContext, type StateSink } from '../src/worker/execution-context.ts';

/**
 * Helpers for driving `ThreadPool` directly, the way the executor does: a real `ExecutionContext`
 * per run, with a state sink and a logger the test can read. Pool threads load the package's build
 * (`dist/`), so these tests need `npx tsc -b packages/core` first (`npm install` runs it).
 */

/** Absolute path of a fixture module under test/fixtures. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
}

/** A state update as the executor's sink receives it. */
export interface StoredState {
  taskId: string;
  state: string;
  meta: Json;
}

/** A sink that checks and records updates (as the executor stores them) and a logger whose lines are kept. */
export function recorder(): {
  sink: StateSink;
  states: StoredState[];
  logger: Logger;
  lines: Record<string, unknown>[];
} {
  const states: StoredState[] = [];
  const lines: Record<string, unknown>[] = [];
  const sink: StateSink = {
    async updateState(ctx, state, meta) {
      assertJson(meta, `${ctx.name} state meta`);
      states.push({ taskId: ctx.id, state, meta });
    },
  };
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { sink, states, logger, lines };
}

/** A real execution context for a task called `name` with `args`, as the executor would make it. */
export function contextFor(
  name: string,
  args: Json[] = [],
  options: { sink?: StateSink; logger?: Logger; retries?: number; queue?: string } = {},
): ExecutionContext {
  const id = randomUUID();
  const envelope: TaskEnvelope = {
    headers: {
      lang: 'js',
      task: name,
      id,
      root_id: id,
      parent_id: null,
      group: null,
      eta: null,
      expires: null,
      retries: options.retries ?? 0,
      timelimit: [null, null],
      origin: 'test',
      version: 1,
    },
    properties: {
      correlation_id: id,
      content_type: 'application/json',
      content_encoding: 'utf-8',
      priority: 0,
      delivery_info: { routing_key: options.queue ?? 'default' },
    },
    body: [args, {}, { callbacks: null, errbacks: null, chain: null, chord: null }],
  };
  const delivery = {
    id: `delivery-${id}`,
    queue: options.queue ?? 'default',
    body: '',
    priority: 0,
    redelivered: false,
  };
  const sink = options.sink ?? { updateState: async () => undefined };
  return new ExecutionContext(envelope, delivery, 'tester@threads', options.logger ?? silent, sink);
}

const silent = pino({ level: 'silent' });

/** The pool never uses the main side's task object (the thread looks the task up by name). */
export const anyTask = {} as Task<never[], unknown>;

/** Settle `promise` into a value or the error it rejected with. */
export function outcome(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => value,
    (error: unknown) => error,
  );
}
