import type { Json } from '../json/json.ts';

/** Broadcast channel of control requests (every worker listens). */
export const CONTROL_CHANNEL = 'control';
/** Broadcast channel of control replies (the asking app listens while it waits). */
export const REPLY_CHANNEL = 'control.reply';

/** Commands a worker answers. */
export type ControlCommand =
  | 'ping'
  | 'active'
  | 'reserved'
  | 'scheduled'
  | 'stats'
  | 'registered'
  | 'revoke'
  | 'pause_queue'
  | 'resume_queue'
  | 'rate_limit';

export interface ControlRequest {
  type: 'control-request';
  id: string;
  command: ControlCommand;
  args: Record<string, Json>;
  /** Answer on REPLY_CHANNEL (false for fire-and-forget commands). */
  reply: boolean;
}

export interface ControlReply {
  type: 'control-reply';
  requestId: string;
  hostname: string;
  result: Json;
}

/** Backend key of the bounded list of recent revokes, read by workers when they start. */
export const REVOKES_LOG_KEY = '__celeriac_revokes__';
/** Backend key marking a queue paused cluster-wide. */
export function pausedQueueKey(queue: string): string {
  return `paused:${queue}`;
}
