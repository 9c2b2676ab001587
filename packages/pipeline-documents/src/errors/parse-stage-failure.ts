import type { PipelineStage } from './pipeline-error.ts';

const STAGES = new Set<string>(['load', 'extract', 'chunk', 'embed', 'store', 'retrieve', 'answer']);

/** A stored failure read back: the stage (when the message names one) and the rest of the message. */
export interface StageFailure {
  stage: PipelineStage | undefined;
  /** The error class name, e.g. `EncryptedPdfError`. */
  name: string;
  reason: string;
}

/**
 * Read the stage back from a failed task's error (`AsyncResult` record or `task-failed` event),
 * where only `name` and `message` survive: `[extract] "a.pdf" is …` → `{ stage: 'extract', … }`.
 */
export function parseStageFailure(error: { name: string; message: string }): StageFailure {
  const match = /^\[([a-z]+)\] ([\s\S]*)$/.exec(error.message);
  if (match !== null && STAGES.has(match[1] as string)) {
    return { stage: match[1] as PipelineStage, name: error.name, reason: match[2] as string };
  }
  return { stage: undefined, name: error.name, reason: error.message };
}
