import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_DATABASE_URL, PostgresVectorStore } from '../src/index.ts';
import { chunkOf, vectorStoreCases } from './vector-store-cases.ts';

/**
 * The real PostgreSQL at DATABASE_URL (default the machine's local server). When it does not
 * answer: under CI=true the run fails; elsewhere these tests are skipped and say so.
 */
const url = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;

async function answers(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const problem = await answers();
if (problem !== undefined) {
  const message = `PostgreSQL at ${url.replace(/:[^:@/]*@/, ':***@')} does not answer (${problem})`;
  if (process.env.CI === 'true')
    throw new Error(`${message}, and CI=true: PostgreSQL tests must not be skipped in CI.`);
  console.warn(`SKIPPED: PostgresVectorStore tests — ${message}. Start PostgreSQL or set DATABASE_URL.`);
}

const stores: PostgresVectorStore[] = [];

/** A store on a table of its own (random prefix), dropped after the file. */
function freshStore(): PostgresVectorStore {
  const store = new PostgresVectorStore({
    connectionString: url,
    tablePrefix: `test_${randomBytes(5).toString('hex')}_`,
  });
  stores.push(store);
  return store;
}

afterAll(async () => {
  for (const store of stores) {
    const cleaner = new PostgresVectorStore({
      connectionString: url,
      tablePrefix: store.table.slice(1, -'document_chunks"'.length),
    });
    await cleaner.dropTable();
    await cleaner.close();
    await store.close();
  }
});

describe.skipIf(problem !== undefined)('PostgresVectorStore on the real server', () => {
  vectorStoreCases(async () => freshStore());

  it('creates its table on first use, float8[] vectors, under the chosen prefix', async () => {
    const store = freshStore();
    await store.replace('a', [chunkOf('a', 't', 0, 0)]);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const table = store.table.slice(1, -1);
      const { rows } = await client.query<{ column_name: string; data_type: string }>(
        'SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position',
        [table],
      );
      expect(rows.find((row) => row.column_name === 'embedding')?.data_type).toBe('ARRAY');
      expect(table).toMatch(/^test_[0-9a-f]{10}_document_chunks$/);
    } finally {
      await client.end();
    }
  });

  it('two stores (two workers) replacing the same upload at once leave one attempt, whole', async () => {
    const first = freshStore();
    const prefix = first.table.slice(1, -'document_chunks"'.length);
    const second = new PostgresVectorStore({ connectionString: url, tablePrefix: prefix });
    await first.replace('shared', [chunkOf('shared', 'seed', 0, 0)]);
    for (let round = 0; round < 5; round++) {
      await Promise.all([
        first.replace(
          'shared',
          Array.from({ length: 40 }, (_, i) => chunkOf('shared', `one-${round}`, i, i % 4)),
        ),
        second.replace(
          'shared',
          Array.from({ length: 25 }, (_, i) => chunkOf('shared', `two-${round}`, i, i % 4)),
        ),
      ]);
      const chunks = await first.chunks('shared');
      const attempts = new Set(chunks.map((chunk) => chunk.attempt));
      expect(attempts.size).toBe(1);
      expect(chunks).toHaveLength([...attempts][0]?.startsWith('one') ? 40 : 25);
    }
    await second.close();
  });

  it('inserts large uploads in batches, in one transaction', async () => {
    const store = freshStore();
    const many = Array.from({ length: 1_234 }, (_, i) => chunkOf('big', 't', i, i % 4));
    await store.replace('big', many);
    expect(await store.chunks('big')).toHaveLength(1_234);
    // A failing replace (a NaN in a vector violates nothing, but a duplicate index does) rolls back whole.
    await expect(store.replace('big', [chunkOf('big', 'bad', 0, 0), chunkOf('big', 'bad', 0, 1)])).rejects.toThrow(
      /duplicate key/,
    );
    expect(await store.chunks('big')).toHaveLength(1_234);
  });
});
