import { coerceError, Retry } from '@celeriac/core';
import { DocumentPipelineError, type PipelineStage } from '../errors/pipeline-error.ts';
import { StageFailedError } from '../errors/stage-failed.ts';
import type { ProgressReporter } from './progress.ts';

/** What every stage of one run gets. */
export interface StageContext {
  uploadId: string;
  /** The task id of this attempt. */
  attempt: string;
  /** Revoke (terminate), time limits and shutdown abort it; stages check it between steps. */
  signal: AbortSignal;
  progress: ProgressReporter;
}

/**
 * Run one stage: stop first if the run was aborted, and name the stage on any error that does
 * not name one (`StageFailedError`). Typed pipeline errors, abort reasons and `Retry` pass as they are.
 */
export async function runStage<T>(stage: PipelineStage, context: StageContext, fn: () => Promise<T>): Promise<T> {
  context.signal.throwIfAborted();
  try {
    return await fn();
  } catch (error) {
    if (context.signal.aborted) throw context.signal.reason;
    if (error instanceof DocumentPipelineError || error instanceof Retry) throw error;
    throw new StageFailedError(stage, coerceError(error));
  }
}
