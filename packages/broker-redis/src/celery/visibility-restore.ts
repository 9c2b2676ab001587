import { randomUUID } from 'node:crypto';
import type { Script } from '../scripts.ts';
import { KOMBU_SEP, type KombuKeys } from './kombu-keys.ts';
import { markedRedelivered } from './kombu-message.ts';

/** kombu's `unacked_mutex_expire`: how long the restore mutex is held at most, ms. */
const MUTEX_EXPIRE_MS = 300_000;
/** Most expired deliveries one sweep restores (kombu's `unacked_restore_limit`, unlimited by default). */
const RESTORE_LIMIT = 1000;

/**
 * One run of kombu's visibility-timeout restore (`QoS.restore_visible`): every delivery in kombu's
 * `unacked_index` older than the visibility timeout — a Celery worker's or a Celeriac worker's that
 * died, or did not renew its lease — goes back to the queue its exchange and routing key lead to,
 * marked redelivered, exactly as kombu restores it. Resolves to how many were restored (0 when
 * another process holds kombu's restore mutex).
 */
export async function restoreVisible(keys: KombuKeys, restore: Script, visibilityTimeoutMs: number): Promise<number> {
  const token = randomUUID();
  const ceiling = (Date.now() - visibilityTimeoutMs) / 1000;
  const head = [keys.unacked, keys.unackedIndex, keys.unackedMutex];
  const scanned = (await restore(head, ['scan', ceiling, token, MUTEX_EXPIRE_MS, RESTORE_LIMIT])) as
    | (string | null)[]
    | null;
  if (scanned === null || scanned.length === 0) return 0;
  const args: (string | number)[] = ['restore', ceiling, token, keys.globalPrefix, KOMBU_SEP];
  for (let i = 0; i < scanned.length; i += 2) {
    const tag = scanned[i] as string;
    const entry = scanned[i + 1];
    if (entry === null || entry === undefined) {
      args.push(tag, '', '', '');
      continue;
    }
    try {
      const [message, exchange, routingKey] = JSON.parse(entry) as [unknown, unknown, unknown];
      args.push(tag, JSON.stringify(markedRedelivered(message)), String(exchange ?? ''), String(routingKey ?? ''));
    } catch {
      // Not kombu's [message, exchange, routing_key]: left where it is, as kombu would fail on it too.
    }
  }
  return (await restore(head, args)) as number;
}
