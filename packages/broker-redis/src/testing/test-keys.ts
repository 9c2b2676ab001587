import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** A key prefix no other test run uses: `<label>:<12 hex digits>:`. */
export function uniqueTestPrefix(label: string = 'celeriac-test'): string {
  return `${label}:${randomBytes(6).toString('hex')}:`;
}

/**
 * Delete every key under `prefix` on the Redis at `url` (SCAN + UNLINK, so a large run does not
 * block the server). The prefix is matched literally: glob characters in it are escaped.
 */
export async function deleteKeysUnder(url: string, prefix: string): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await client.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}
