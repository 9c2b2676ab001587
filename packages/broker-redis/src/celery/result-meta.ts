import { type Json, type ResultRecord, recordFromCelery, recordToCelery } from '@celeriac/core';

/**
 * The key of the meta field where Celeriac keeps what Celery's meta cannot say (progress meta beside
 * a result, root id, a field Celery always writes but the record lacks). Celery ignores keys it does
 * not know, so Python reads the meta as its own.
 */
const EXTENSION = 'celeriac';

interface Extension {
  /** Record fields whose value differs from what the Celery fields say. */
  set?: Record<string, Json>;
  /** Record fields absent although the Celery fields imply one (`children: []`, say). */
  unset?: string[];
}

/**
 * A record → the JSON text Celery's Redis backend stores under `celery-task-meta-<id>`: Celery's
 * meta (`recordToCelery`), plus an extension holding only the difference between the record and
 * what reading that meta back gives, so every Celeriac record round-trips exactly.
 */
export function encodeResultMeta(record: ResultRecord): string {
  const meta = recordToCelery(record);
  const seen = recordFromCelery(record.taskId, meta) as unknown as Record<string, Json | undefined>;
  const fields = record as unknown as Record<string, Json | undefined>;
  const set: Record<string, Json> = {};
  const unset: string[] = [];
  for (const key of new Set([...Object.keys(fields), ...Object.keys(seen)])) {
    const wanted = fields[key];
    const read = seen[key];
    if (wanted === undefined) {
      if (read !== undefined) unset.push(key);
    } else if (read === undefined || JSON.stringify(wanted) !== JSON.stringify(read)) {
      set[key] = wanted;
    }
  }
  const extension: Extension = {};
  if (Object.keys(set).length > 0) extension.set = set;
  if (unset.length > 0) extension.unset = unset;
  if (extension.set !== undefined || extension.unset !== undefined) meta[EXTENSION] = extension as Json;
  return JSON.stringify(meta);
}

/**
 * Stored meta text → a record: one written by Celeriac comes back exactly as it was stored; one
 * written by Python Celery is read with `recordFromCelery`. Throws when the text is not a meta.
 */
export function decodeResultMeta(taskId: string, text: string): ResultRecord {
  const meta = JSON.parse(text) as unknown;
  const extension = isObject(meta) ? (meta as Record<string, unknown>)[EXTENSION] : undefined;
  if (extension !== undefined) delete (meta as Record<string, unknown>)[EXTENSION];
  const record = recordFromCelery(taskId, meta) as unknown as Record<string, Json>;
  if (isObject(extension)) {
    const { set, unset } = extension as Extension;
    if (Array.isArray(unset)) for (const key of unset) delete record[key];
    if (isObject(set)) Object.assign(record, set);
  }
  return record as unknown as ResultRecord;
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
