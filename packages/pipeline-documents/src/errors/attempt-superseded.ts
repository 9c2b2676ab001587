import { DocumentPipelineError } from './pipeline-error.ts';

/** Another attempt at the same upload started (`documents.retry`): this one stops before storing anything. */
export class AttemptSupersededError extends DocumentPipelineError {
  readonly currentAttempt: string | undefined;

  constructor(uploadId: string, currentAttempt: string | undefined) {
    super(
      'ATTEMPT_SUPERSEDED',
      'store',
      `Upload "${uploadId}" is now processed by task ${currentAttempt ?? '(none)'}; this attempt stored nothing.`,
      { hint: 'nothing: follow the newer task.' },
    );
    this.currentAttempt = currentAttempt;
  }
}
