import { mkdir, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CeleriacError } from '@celeriac/core';
import { writeFileAtomic } from '../storage/atomic-write.ts';
import { KeyedMutex } from '../storage/keyed-mutex.ts';
import { compareHits, cosineSimilarity, vectorNorm } from './cosine.ts';
import { type SearchHit, type SearchOptions, type StoredChunk, toHit, type VectorStore } from './vector-store.ts';

const FORMAT = 'celeriac-vectors';

function toFloat32Digits(x: number): number {
  return Number(x.toPrecision(7));
}

/** The file holds something other than this store's JSON. */
export class VectorFileError extends CeleriacError {
  constructor(path: string, detail: string, options?: { cause?: unknown }) {
    super(
      'VECTOR_FILE',
      `The vector file ${path} cannot be read: ${detail}. Move it aside (the documents can be processed again) or point FileVectorStore at another path.`,
      options,
    );
  }
}

/**
 * The embedded vector store: every chunk in memory, persisted to one JSON file rewritten
 * atomically (temporary file + rename) on each change, and reloaded when another process changed
 * it. Search is an exact cosine scan — right for thousands of chunks and one writing process
 * (the demo, a single worker). Many workers on many machines: use `PostgresVectorStore`.
 */
export class FileVectorStore implements VectorStore {
  readonly path: string;
  readonly #lock = new KeyedMutex();
  #byUpload = new Map<string, StoredChunk[]>();
  #stamp: string | undefined;

  constructor(path: string) {
    this.path = path;
  }

  /** Under the lock: reload the file when it changed since we last read or wrote it. */
  async #sync(): Promise<void> {
    let stamp: string | undefined;
    try {
      const info = await stat(this.path);
      stamp = `${info.ino}:${info.size}:${info.mtimeMs}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (stamp === this.#stamp) return;
    this.#byUpload = stamp === undefined ? new Map() : await this.#load();
    this.#stamp = stamp;
  }

  async #load(): Promise<Map<string, StoredChunk[]>> {
    let parsed: { format?: unknown; version?: unknown; chunks?: unknown };
    try {
      parsed = JSON.parse(await readFile(this.path, 'utf8')) as typeof parsed;
    } catch (error) {
      throw new VectorFileError(this.path, `it is not JSON (${(error as Error).message})`, { cause: error });
    }
    if (parsed?.format !== FORMAT || parsed.version !== 1 || !Array.isArray(parsed.chunks)) {
      throw new VectorFileError(this.path, `it is not a ${FORMAT} version 1 file`);
    }
    const byUpload = new Map<string, StoredChunk[]>();
    for (const chunk of parsed.chunks as StoredChunk[]) {
      const list = byUpload.get(chunk.uploadId) ?? [];
      list.push(chunk);
      byUpload.set(chunk.uploadId, list);
    }
    return byUpload;
  }

  async #write(): Promise<void> {
    const chunks = [...this.#byUpload.values()].flat();
    await mkdir(dirname(this.path), { recursive: true });
    await writeFileAtomic(this.path, JSON.stringify({ format: FORMAT, version: 1, chunks }));
    const info = await stat(this.path);
    this.#stamp = `${info.ino}:${info.size}:${info.mtimeMs}`;
  }

  replace(uploadId: string, chunks: StoredChunk[]): Promise<void> {
    // Seven significant digits (float32 precision) halve the file and change no ranking.
    const copy = chunks.map((chunk) => ({ ...chunk, uploadId, embedding: chunk.embedding.map(toFloat32Digits) }));
    return this.#lock.run('file', async () => {
      await this.#sync();
      if (copy.length === 0) this.#byUpload.delete(uploadId);
      else this.#byUpload.set(uploadId, copy);
      await this.#write();
    });
  }

  search(vector: number[], options: SearchOptions): Promise<SearchHit[]> {
    return this.#lock.run('file', async () => {
      await this.#sync();
      const wanted = options.uploadIds?.length ? new Set(options.uploadIds) : undefined;
      const queryNorm = vectorNorm(vector);
      const hits: SearchHit[] = [];
      for (const [uploadId, chunks] of this.#byUpload) {
        if (wanted !== undefined && !wanted.has(uploadId)) continue;
        for (const chunk of chunks) {
          if (chunk.model !== options.model) continue;
          hits.push(toHit(chunk, cosineSimilarity(vector, chunk.embedding, queryNorm)));
        }
      }
      return hits.sort(compareHits).slice(0, options.k);
    });
  }

  chunks(uploadId: string): Promise<StoredChunk[]> {
    return this.#lock.run('file', async () => {
      await this.#sync();
      return (this.#byUpload.get(uploadId) ?? []).slice().sort((a, b) => a.chunkIndex - b.chunkIndex);
    });
  }

  deleteUpload(uploadId: string): Promise<number> {
    return this.#lock.run('file', async () => {
      await this.#sync();
      const count = this.#byUpload.get(uploadId)?.length ?? 0;
      if (count > 0) {
        this.#byUpload.delete(uploadId);
        await this.#write();
      }
      return count;
    });
  }

  async close(): Promise<void> {
    await this.#lock.run('file', async () => undefined);
  }
}
