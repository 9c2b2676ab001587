import { coerceError } from '@celeriac/core';
import { DocumentPipelineError, type PipelineStage } from './pipeline-error.ts';

/** An unexpected error inside a stage (a bug, a full disk, a database down), with the stage named. */
export class StageFailedError extends DocumentPipelineError {
  constructor(stage: PipelineStage, cause: unknown) {
    const error = coerceError(cause);
    super('STAGE_FAILED', stage, `${error.name}: ${error.message}`, { cause });
  }
}
