import { CeleriacError } from '@celeriac/core';

/**
 * Where in the pipeline something happened. `documents.process` runs `load → extract → chunk →
 * embed → store`; `chat.answer` runs `retrieve → answer`.
 */
export type PipelineStage = 'load' | 'extract' | 'chunk' | 'embed' | 'store' | 'retrieve' | 'answer';

/** Options every pipeline error takes. */
export interface PipelineErrorOptions {
  /** What the person who uploaded the file (or runs the service) can do about it. */
  hint?: string;
  cause?: unknown;
}

/**
 * Base class of the pipeline's errors. The message starts with the stage in brackets
 * (`[extract] …`) so the stage survives the trip through the result backend, where only an
 * error's name and message are kept; `parseStageFailure()` reads it back.
 */
export class DocumentPipelineError extends CeleriacError {
  /** The stage that failed. */
  readonly stage: PipelineStage;
  /** What happened, without the stage prefix or the hint. */
  readonly reason: string;
  /** What to do about it. */
  readonly hint: string | undefined;

  constructor(code: string, stage: PipelineStage, reason: string, options: PipelineErrorOptions = {}) {
    const hint = options.hint === undefined ? '' : ` What to do: ${options.hint}`;
    super(code, `[${stage}] ${reason}${hint}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.stage = stage;
    this.reason = reason;
    this.hint = options.hint;
  }
}
