import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.ts';
import { assertSafeId } from './ids.ts';
import { KeyedMutex } from './keyed-mutex.ts';
import type { ChatMessage, ChatSession, SessionStore } from './session-store.ts';

/**
 * Chat sessions as one JSON file each (`<dir>/<sessionId>.json`), written atomically. Appends to
 * one session are serialised within the process; a session is one conversation, so two processes
 * appending to the same one at the same instant is not a case this store covers.
 */
export class FileSessionStore implements SessionStore {
  readonly dir: string;
  readonly #lock = new KeyedMutex();

  constructor(dir: string) {
    this.dir = dir;
  }

  #path(sessionId: string): string {
    assertSafeId('session', sessionId);
    return join(this.dir, `${sessionId}.json`);
  }

  async get(sessionId: string): Promise<ChatSession | undefined> {
    try {
      return JSON.parse(await readFile(this.#path(sessionId), 'utf8')) as ChatSession;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  append(sessionId: string, messages: ChatMessage[]): Promise<ChatSession> {
    const path = this.#path(sessionId);
    return this.#lock.run(sessionId, async () => {
      const now = new Date().toISOString();
      const session = (await this.get(sessionId)) ?? { id: sessionId, createdAt: now, updatedAt: now, messages: [] };
      session.messages.push(...messages);
      session.updatedAt = messages.at(-1)?.at ?? now;
      await mkdir(this.dir, { recursive: true });
      await writeFileAtomic(path, JSON.stringify(session));
      return session;
    });
  }

  async delete(sessionId: string): Promise<boolean> {
    const path = this.#path(sessionId);
    return this.#lock.run(sessionId, async () => {
      const existed = (await this.get(sessionId)) !== undefined;
      await rm(path, { force: true });
      return existed;
    });
  }

  async deleteOlderThan(cutoff: Date): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const removed: string[] = [];
    for (const name of names) {
      if (!name.endsWith('.json')) continue;
      const id = name.slice(0, -'.json'.length);
      // Compared and removed under the session's lock, so an answer appended meanwhile keeps it.
      const expired = await this.#lock.run(id, async () => {
        const session = await this.get(id).catch(() => undefined);
        if (session === undefined || Date.parse(session.updatedAt) >= cutoff.getTime()) return false;
        await rm(join(this.dir, name), { force: true });
        return true;
      });
      if (expired) removed.push(id);
    }
    return removed.sort();
  }
}
