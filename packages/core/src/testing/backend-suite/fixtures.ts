import type { ResultRecord } from '../../backend/result-backend.ts';

/** TTL for records and keys that must not expire during a test, in seconds. */
export const LONG_TTL = 3600;

/** A SUCCESS record for `taskId` using every field, so a lossy round trip shows. */
export function record(taskId: string, overrides: Partial<ResultRecord> = {}): ResultRecord {
  return {
    taskId,
    name: 'documents.process',
    state: 'SUCCESS',
    args: ['upload-1', { pages: [1, 2], force: true, note: null }],
    queue: 'document_processing',
    result: { chunks: 12, score: 0.75, title: 'Grüße 🚀', tags: [] },
    meta: { stage: 'store', progress: 100 },
    retries: 1,
    worker: 'worker-1@host',
    dateDone: '2026-01-01T12:00:00.000Z',
    children: ['child-1', 'child-2'],
    parentId: null,
    rootId: taskId,
    groupId: null,
    ...overrides,
  };
}

/** A minimal record in `state`, with only the required fields. */
export function bareRecord(taskId: string, state: ResultRecord['state']): ResultRecord {
  return { taskId, name: null, state, retries: 0, dateDone: null };
}
