import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { FileTooLargeError } from '../errors/file-too-large.ts';
import { UploadNotFoundError } from '../errors/upload-not-found.ts';
import { writeFileAtomic } from './atomic-write.ts';
import { FileSessionStore } from './file-session-store.ts';
import { assertSafeId } from './ids.ts';
import { KeyedMutex } from './keyed-mutex.ts';
import type { SaveUploadInput, UploadMeta, UploadStorage } from './upload-storage.ts';

/** Options of `LocalDirectoryStorage`. */
export interface LocalDirectoryStorageOptions {
  /** Refuse uploads larger than this many bytes while saving. @default no limit (the pipeline's `maxFileBytes` still applies) */
  maxBytes?: number;
}

/**
 * Uploads and chat sessions in a local directory:
 * `uploads/<id>/content` (the bytes), `uploads/<id>/meta.json`, and `sessions/<id>.json`.
 * The content is written first and the metadata last, each atomically, so a half-saved upload is
 * never listed. Share the directory (or a network mount of it) between the web service and workers.
 */
export class LocalDirectoryStorage implements UploadStorage {
  readonly dir: string;
  readonly sessions: FileSessionStore;
  readonly #maxBytes: number | undefined;
  readonly #metaLock = new KeyedMutex();

  constructor(dir: string, options: LocalDirectoryStorageOptions = {}) {
    this.dir = dir;
    this.#maxBytes = options.maxBytes;
    this.sessions = new FileSessionStore(join(dir, 'sessions'));
  }

  #uploadDir(id: string): string {
    assertSafeId('upload', id);
    return join(this.dir, 'uploads', id);
  }

  async save(input: SaveUploadInput): Promise<UploadMeta> {
    const id = input.id ?? randomUUID();
    const folder = this.#uploadDir(id);
    const maxBytes = input.maxBytes ?? this.#maxBytes;
    const replacing = (await this.meta(id)) !== undefined;
    await mkdir(folder, { recursive: true });
    const partial = join(folder, `content.${randomUUID()}.part`);
    let size = 0;
    try {
      const source = input.data instanceof Uint8Array ? [input.data] : input.data;
      await pipeline(async function* () {
        for await (const piece of source) {
          size += piece.byteLength;
          if (maxBytes !== undefined && size > maxBytes) throw new FileTooLargeError(input.filename, size, maxBytes);
          yield piece;
        }
      }, createWriteStream(partial));
      await rename(partial, join(folder, 'content'));
    } catch (error) {
      // Keep an earlier upload saved under the same id; remove only what this call wrote.
      await rm(replacing ? partial : folder, { recursive: true, force: true });
      throw error;
    }
    const meta: UploadMeta = {
      id,
      filename: input.filename,
      size,
      mimeType: input.mimeType ?? 'application/octet-stream',
      createdAt: new Date().toISOString(),
    };
    await writeFileAtomic(join(folder, 'meta.json'), JSON.stringify(meta));
    return meta;
  }

  async meta(uploadId: string): Promise<UploadMeta | undefined> {
    try {
      return JSON.parse(await readFile(join(this.#uploadDir(uploadId), 'meta.json'), 'utf8')) as UploadMeta;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async read(uploadId: string): Promise<Uint8Array> {
    if ((await this.meta(uploadId)) === undefined) throw new UploadNotFoundError(uploadId);
    return readFile(join(this.#uploadDir(uploadId), 'content'));
  }

  async list(): Promise<UploadMeta[]> {
    let names: string[];
    try {
      names = await readdir(join(this.dir, 'uploads'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const metas = await Promise.all(names.map((name) => this.meta(name).catch(() => undefined)));
    return metas
      .filter((meta): meta is UploadMeta => meta !== undefined)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async delete(uploadId: string): Promise<boolean> {
    const folder = this.#uploadDir(uploadId);
    const existed = (await this.meta(uploadId)) !== undefined;
    await rm(folder, { recursive: true, force: true });
    return existed;
  }

  setAttempt(uploadId: string, taskId: string): Promise<void> {
    return this.#metaLock.run(uploadId, async () => {
      const meta = await this.meta(uploadId);
      if (meta === undefined) throw new UploadNotFoundError(uploadId);
      meta.attempt = { taskId, at: new Date().toISOString() };
      await writeFileAtomic(join(this.#uploadDir(uploadId), 'meta.json'), JSON.stringify(meta));
    });
  }
}

/** Factory form of `new LocalDirectoryStorage(dir, options)`. */
export function createLocalDirectoryStorage(
  dir: string,
  options?: LocalDirectoryStorageOptions,
): LocalDirectoryStorage {
  return new LocalDirectoryStorage(dir, options);
}
