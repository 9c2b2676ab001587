import { InvalidIdError } from '../errors/invalid-id.ts';

const SAFE_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** Throw `InvalidIdError` unless `id` is safe to use as a file name. */
export function assertSafeId(kind: string, id: unknown): asserts id is string {
  if (typeof id !== 'string' || !SAFE_ID.test(id)) throw new InvalidIdError(kind, id);
}
