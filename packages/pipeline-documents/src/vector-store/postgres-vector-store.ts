import { ConfigError } from '@celeriac/core';
import type { Pool, PoolClient } from 'pg';
import { vectorNorm } from './cosine.ts';
import type { SearchHit, SearchOptions, StoredChunk, VectorStore } from './vector-store.ts';

/** Options of `PostgresVectorStore`. */
export interface PostgresVectorStoreOptions {
  /** @default process.env.DATABASE_URL, else `DEFAULT_DATABASE_URL` (`postgres://postgres@127.0.0.1:5432/test`) */
  connectionString?: string;
  /** An existing pool to use instead (not closed by `close()`). */
  pool?: Pool;
  /** Prefix of the table name (`<prefix>document_chunks`): lowercase letters, digits and `_`. @default 'celeriac_' */
  tablePrefix?: string;
  /** Connections of the pool this store creates. @default 5 */
  poolSize?: number;
}

/** The local server of a development machine: trust authentication, database `test`. */
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** Rows per INSERT statement: 12 parameters each stays far below PostgreSQL's 65,535. */
const INSERT_BATCH = 500;
const COLUMNS = [
  'upload_id',
  'chunk_index',
  'attempt',
  'filename',
  'model',
  'content',
  'start_offset',
  'end_offset',
  'page',
  'embedding',
  'norm',
] as const;

interface ChunkRow {
  upload_id: string;
  chunk_index: number;
  attempt: string;
  filename: string;
  model: string;
  content: string;
  start_offset: number;
  end_offset: number;
  page: number | null;
  embedding?: number[];
  score?: number;
}

function fromRow(row: ChunkRow): StoredChunk & { score?: number } {
  return {
    uploadId: row.upload_id,
    attempt: row.attempt,
    filename: row.filename,
    model: row.model,
    chunkIndex: row.chunk_index,
    text: row.content,
    start: row.start_offset,
    end: row.end_offset,
    ...(row.page === null ? {} : { page: row.page }),
    embedding: row.embedding ?? [],
    ...(row.score === undefined ? {} : { score: row.score }),
  };
}

/**
 * A vector store in PostgreSQL for deployments with many workers: vectors are plain `float8[]`
 * columns (no extension needed) with their norm stored, and the cosine is computed in SQL
 * (an exact scan, filtered by model and uploads). `replace` runs in one transaction under a
 * per-upload advisory lock, so concurrent attempts at one upload serialise and the last one wins
 * whole. The table is created on first use.
 */
export class PostgresVectorStore implements VectorStore {
  /** The quoted table name. */
  readonly table: string;
  readonly #options: PostgresVectorStoreOptions;
  #pool: Promise<Pool> | undefined;
  readonly #tableName: string;
  #ready: Promise<void> | undefined;

  constructor(options: PostgresVectorStoreOptions = {}) {
    const prefix = options.tablePrefix ?? 'celeriac_';
    if (!/^[a-z_][a-z0-9_]{0,40}$/.test(prefix)) {
      throw new ConfigError(`tablePrefix must be lowercase letters, digits and "_" (got ${JSON.stringify(prefix)}).`);
    }
    this.#tableName = `${prefix}document_chunks`;
    this.table = `"${this.#tableName}"`;
    this.#options = options;
  }

  /** The pool: the given one, or one created on first use (pg is loaded then). */
  #getPool(): Promise<Pool> {
    const { pool, connectionString, poolSize } = this.#options;
    this.#pool ??=
      pool !== undefined
        ? Promise.resolve(pool)
        : import('pg').then(
            ({ default: pg }) =>
              new pg.Pool({
                connectionString: connectionString ?? process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL,
                max: poolSize ?? 5,
              }),
          );
    return this.#pool;
  }

  async #connect(): Promise<PoolClient> {
    const pool = await this.#getPool();
    this.#ready ??= this.#createTable(pool);
    try {
      await this.#ready;
    } catch (error) {
      this.#ready = undefined;
      throw error;
    }
    return pool.connect();
  }

  async #createTable(pool: Pool): Promise<void> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      // Two processes creating the same table at once would collide in the catalog: take turns.
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`create:${this.#tableName}`]);
      await client.query(`CREATE TABLE IF NOT EXISTS ${this.table} (
        upload_id text NOT NULL,
        chunk_index integer NOT NULL,
        attempt text NOT NULL,
        filename text NOT NULL,
        model text NOT NULL,
        content text NOT NULL,
        start_offset integer NOT NULL,
        end_offset integer NOT NULL,
        page integer,
        embedding float8[] NOT NULL,
        norm float8 NOT NULL,
        PRIMARY KEY (upload_id, chunk_index)
      )`);
      await client.query(`CREATE INDEX IF NOT EXISTS "${this.#tableName}_model" ON ${this.table} (model)`);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async replace(uploadId: string, chunks: StoredChunk[]): Promise<void> {
    const client = await this.#connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`${this.#tableName}:${uploadId}`]);
      await client.query(`DELETE FROM ${this.table} WHERE upload_id = $1`, [uploadId]);
      for (let from = 0; from < chunks.length; from += INSERT_BATCH) {
        const batch = chunks.slice(from, from + INSERT_BATCH);
        const values: unknown[] = [];
        const rows = batch.map((chunk, i) => {
          values.push(
            uploadId,
            chunk.chunkIndex,
            chunk.attempt,
            chunk.filename,
            chunk.model,
            chunk.text,
            chunk.start,
            chunk.end,
            chunk.page ?? null,
            chunk.embedding,
            vectorNorm(chunk.embedding),
          );
          const base = i * COLUMNS.length;
          return `(${COLUMNS.map((_, c) => `$${base + c + 1}`).join(', ')})`;
        });
        await client.query(`INSERT INTO ${this.table} (${COLUMNS.join(', ')}) VALUES ${rows.join(', ')}`, values);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async search(vector: number[], options: SearchOptions): Promise<SearchHit[]> {
    const client = await this.#connect();
    try {
      const params: unknown[] = [vector, vectorNorm(vector), options.model, options.k];
      let filter = '';
      if (options.uploadIds?.length) {
        params.push(options.uploadIds);
        filter = 'AND upload_id = ANY($5::text[])';
      }
      const { rows } = await client.query<ChunkRow>(
        `SELECT upload_id, chunk_index, attempt, filename, model, content, start_offset, end_offset, page,
           CASE WHEN norm = 0 OR $2::float8 = 0 OR cardinality(embedding) <> cardinality($1::float8[]) THEN 0
                ELSE (SELECT sum(a * b) FROM unnest(embedding, $1::float8[]) AS v(a, b)) / (norm * $2::float8)
           END AS score
         FROM ${this.table}
         WHERE model = $3 ${filter}
         ORDER BY score DESC, upload_id, chunk_index
         LIMIT $4`,
        params,
      );
      return rows.map((row) => {
        const { embedding: _embedding, score, ...hit } = fromRow(row);
        return { ...hit, score: score ?? 0 };
      });
    } finally {
      client.release();
    }
  }

  async chunks(uploadId: string): Promise<StoredChunk[]> {
    const client = await this.#connect();
    try {
      const { rows } = await client.query<ChunkRow>(
        `SELECT upload_id, chunk_index, attempt, filename, model, content, start_offset, end_offset, page, embedding
         FROM ${this.table} WHERE upload_id = $1 ORDER BY chunk_index`,
        [uploadId],
      );
      return rows.map((row) => {
        const { score: _score, ...chunk } = fromRow(row);
        return chunk;
      });
    } finally {
      client.release();
    }
  }

  async deleteUpload(uploadId: string): Promise<number> {
    const client = await this.#connect();
    try {
      const result = await client.query(`DELETE FROM ${this.table} WHERE upload_id = $1`, [uploadId]);
      return result.rowCount ?? 0;
    } finally {
      client.release();
    }
  }

  /** Drop the table (tests, uninstall). */
  async dropTable(): Promise<void> {
    const pool = await this.#getPool();
    await pool.query(`DROP TABLE IF EXISTS ${this.table}`);
    this.#ready = undefined;
  }

  async close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    if (pool !== undefined && this.#options.pool === undefined) await (await pool).end();
  }
}
