import type { ResultRecord, TaskState } from '@celeriac/core';

/** A minimal result record for `taskId` in `state`. */
export function resultRecord(taskId: string, state: TaskState = 'PENDING', result?: number): ResultRecord {
  const record: ResultRecord = { taskId, name: 'tests.add', state, retries: 0, dateDone: null };
  if (result !== undefined) record.result = result;
  return record;
}
