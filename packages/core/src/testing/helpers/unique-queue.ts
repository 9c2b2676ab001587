import { randomBytes } from 'node:crypto';

/**
 * A name no other test uses: `prefix` plus a random suffix (`orders-3f9c1a2b7d4e`). Use it for
 * queues, channels, task ids and keys, so tests can share one broker or server (and run in
 * parallel, or after a crashed run) without seeing each other's messages.
 * @param prefix Readable start of the name. @default 'test'
 */
export function uniqueQueue(prefix = 'test'): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}
