import { DocumentPipelineError } from './pipeline-error.ts';

/** The file says it is a PDF but cannot be parsed (truncated, damaged, or not really a PDF). */
export class CorruptPdfError extends DocumentPipelineError {
  constructor(filename: string, detail: string, options: { cause?: unknown } = {}) {
    super('CORRUPT_PDF', 'extract', `"${filename}" is not a readable PDF: ${detail}.`, {
      hint: 'the file is probably truncated or damaged: export or download it again, check that it opens in a PDF viewer, and upload it again.',
      cause: options.cause,
    });
  }
}
