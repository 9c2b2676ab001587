import type { Json } from '../json/json.ts';
import type { AnySignature } from './signature.ts';

/** Options of one call: `task.applyAsync(args, options)` and `app.sendTask(name, args, options)`. */
export interface CallOptions {
  /** Use this id instead of a new one. A task with this id still queued or running is not sent again. */
  taskId?: string;
  /** Run no earlier than this many seconds from now. */
  countdown?: number;
  /** Run no earlier than this time. */
  eta?: Date | string;
  /** Discard (as REVOKED) if not started by then: seconds from now, or an absolute time. */
  expires?: number | Date | string;
  /** 0–9, higher first. */
  priority?: number;
  /** Send to this queue, overriding the task's and the routes'. */
  queue?: string;
  /** Extra message headers, readable as `ctx.headers`. */
  headers?: Record<string, Json>;
  /** Keyword arguments (Celery interop); readable as `ctx.kwargs`. */
  kwargs?: Record<string, Json>;
  /** Signatures applied with this task's result when it succeeds. */
  link?: AnySignature | AnySignature[];
  /** Signatures applied with this task's id when it fails. */
  linkError?: AnySignature | AnySignature[];
}
