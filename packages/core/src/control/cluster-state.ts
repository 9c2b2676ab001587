import type { ResultBackend } from '../backend/result-backend.ts';
import { pausedQueueKey, REVOKES_LOG_KEY } from './protocol.ts';
import { parseRevocation, type Revocation } from './revocations.ts';

/** What a starting worker learns from the backend about decisions taken before it joined. */
export interface ClusterState {
  /** Fresh revokes. */
  revocations: Revocation[];
  /** Which of its queues are paused cluster-wide. */
  paused: string[];
}

export async function loadClusterState(backend: ResultBackend, queues: readonly string[]): Promise<ClusterState> {
  const [lines, marks] = await Promise.all([
    backend.readLog(REVOKES_LOG_KEY),
    Promise.all(queues.map((queue) => backend.get(pausedQueueKey(queue)))),
  ]);
  const revocations = lines.map(parseRevocation).filter((revocation) => revocation !== undefined);
  return { revocations, paused: queues.filter((_, i) => marks[i] !== null) };
}
