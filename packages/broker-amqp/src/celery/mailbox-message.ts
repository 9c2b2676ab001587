import type { ControlCommand, Json } from '@celeriac/core';

/** A control message of Celery's mailbox, as kombu's `Mailbox._publish` sends it. */
export interface MailboxMessage {
  method: string;
  arguments?: Record<string, Json> | null;
  destination?: string[] | null;
  pattern?: string | null;
  matcher?: string | null;
  /** Present when the sender waits for replies (`inspect`, `control ping`). */
  reply_to?: { exchange: string; routing_key: string } | null;
  ticket?: string | null;
}

/** Parse a mailbox message; undefined when it is not one. */
export function parseMailboxMessage(content: Buffer): MailboxMessage | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const message = parsed as MailboxMessage;
  return typeof message.method === 'string' ? message : undefined;
}

/**
 * Whether `hostname` should run it, as kombu's `Node.handle_message` decides: listed in
 * `destination`, else matched by `pattern` (`glob`: fnmatch; `pcre`: `re.match`), else everyone.
 */
export function addressedTo(message: MailboxMessage, hostname: string): boolean {
  if (Array.isArray(message.destination) && message.destination.length > 0) {
    return message.destination.includes(hostname);
  }
  const { pattern, matcher } = message;
  if (typeof pattern === 'string' && pattern !== '' && typeof matcher === 'string' && matcher !== '') {
    try {
      if (matcher === 'pcre') return new RegExp(pattern, 'y').test(hostname);
      if (matcher === 'glob') return globToRegExp(pattern).test(hostname);
    } catch {
      return false;
    }
    return false;
  }
  return true;
}

/** fnmatch: `*` any run, `?` one character, `[…]` a set (`[!…]` its complement), the rest literal. */
function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] as string;
    const close = char === '[' ? pattern.indexOf(']', i + 2) : -1;
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else if (close > 0) {
      const set = pattern.slice(i + 1, close).replace(/\\/g, '\\\\');
      source += set.startsWith('!') ? `[^${set.slice(1)}]` : `[${set}]`;
      i = close;
    } else source += char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

/** What a Celery control method becomes for a Celeriac worker. */
export type Translation =
  | { kind: 'forward'; requests: Array<{ command: ControlCommand; args: Record<string, Json> }>; reply?: Json }
  | { kind: 'unsupported' };

/**
 * Celery's control methods that Celeriac workers answer: `ping`, the `inspect` queries (`stats`,
 * `active`, `reserved`, `scheduled`, `registered`; their replies are Celeriac's shapes), `revoke`
 * (one id or a list; answered at once, as Celery does) and `rate_limit`.
 */
export function translate(message: MailboxMessage): Translation {
  const args = message.arguments ?? {};
  switch (message.method) {
    case 'ping':
    case 'stats':
    case 'active':
    case 'reserved':
    case 'scheduled':
    case 'registered':
      return { kind: 'forward', requests: [{ command: message.method, args: {} }] };
    case 'revoke': {
      const ids = (Array.isArray(args.task_id) ? args.task_id : [args.task_id]).filter(
        (id): id is string => typeof id === 'string' && id !== '',
      );
      return {
        kind: 'forward',
        requests: ids.map((taskId) => ({ command: 'revoke', args: { taskId, terminate: args.terminate === true } })),
        reply: { ok: `tasks ${ids.join(', ')} flagged as revoked` },
      };
    }
    case 'rate_limit': {
      // Celery takes '10/m', or a number meaning per second.
      const rate = typeof args.rate_limit === 'number' ? `${args.rate_limit}/s` : (args.rate_limit ?? null);
      return {
        kind: 'forward',
        requests: [{ command: 'rate_limit', args: { taskName: args.task_name ?? null, rate } }],
      };
    }
    default:
      return { kind: 'unsupported' };
  }
}
