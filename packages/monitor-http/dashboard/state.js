// What the page holds: the server's config, the tasks table, the selection, filters, charts, workers.

export const STATES_FINAL = new Set(['SUCCESS', 'FAILURE', 'REVOKED', 'REJECTED']);
export const STATE_OF_EVENT = {
  'task-sent': 'PENDING',
  'task-received': 'RECEIVED',
  'task-started': 'STARTED',
  'task-retried': 'RETRY',
  'task-succeeded': 'SUCCESS',
  'task-failed': 'FAILURE',
  'task-revoked': 'REVOKED',
  'task-rejected': 'REJECTED',
};
export const RANK = { PENDING: 0, RECEIVED: 1, STARTED: 2, PROGRESS: 3, RETRY: 3 };
export const MAX_ROWS = 200;

export const state = {
  config: { readOnly: false, auth: 'none' },
  tasks: new Map(),
  order: [],
  selected: null,
  filters: { state: '', name: '', worker: '' },
  throughput: { bucketMs: 10_000, buckets: [] },
  workers: [],
};
