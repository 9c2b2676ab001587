/** Task states, as Celery names them. */
export type TaskState = 'PENDING' | 'RECEIVED' | 'STARTED' | 'PROGRESS' | 'RETRY' | 'SUCCESS' | 'FAILURE' | 'REVOKED';

/** States after which a task will not change again. */
export const READY_STATES: ReadonlySet<TaskState> = new Set<TaskState>(['SUCCESS', 'FAILURE', 'REVOKED']);

export function isReadyState(state: TaskState): boolean {
  return READY_STATES.has(state);
}
