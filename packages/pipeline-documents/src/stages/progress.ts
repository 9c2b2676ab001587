import type { Json } from '@celeriac/core';

/** Stages of `documents.process`, in order; `done` is the last report, at 100. */
export type ProcessStage = 'load' | 'extract' | 'chunk' | 'embed' | 'store' | 'done';

/** The meta of every `PROGRESS` state `documents.process` stores (and `task-progress` event it emits). */
export interface DocumentProgress {
  uploadId: string;
  stage: ProcessStage;
  /** For people: `"Embedding batch 3 of 8"`. */
  message: string;
  /** 0–100 over the whole pipeline, never decreasing within one run. */
  progress: number;
  [key: string]: Json;
}

/** Share of the whole pipeline each stage covers: embedding (network-bound) dominates. */
export const STAGE_RANGES: Readonly<Record<ProcessStage, readonly [number, number]>> = {
  load: [0, 5],
  extract: [5, 25],
  chunk: [25, 30],
  embed: [30, 90],
  store: [90, 99],
  done: [100, 100],
};

/** Turns "stage, fraction done" into monotonic 0–100 progress and hands it to the sink. */
export class ProgressReporter {
  readonly uploadId: string;
  readonly #sink: (progress: DocumentProgress) => Promise<void>;
  #last = 0;

  constructor(uploadId: string, sink: (progress: DocumentProgress) => Promise<void>) {
    this.uploadId = uploadId;
    this.#sink = sink;
  }

  /** The last progress reported. */
  get last(): number {
    return this.#last;
  }

  /** Report `stage` as `fraction` (0–1) done. */
  report(stage: ProcessStage, fraction: number, message: string): Promise<void> {
    const [from, to] = STAGE_RANGES[stage];
    const share = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
    const progress = Math.max(this.#last, Math.floor(from + (to - from) * share));
    this.#last = progress;
    return this.#sink({ uploadId: this.uploadId, stage, message, progress });
  }
}
