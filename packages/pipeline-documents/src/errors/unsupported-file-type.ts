import { DocumentPipelineError } from './pipeline-error.ts';

/** The file is not a PDF, a DOCX, or UTF-8 text/Markdown. */
export class UnsupportedFileTypeError extends DocumentPipelineError {
  /** What the bytes look like, e.g. `'png image'`, `'zip archive'`, `'binary'`. */
  readonly detected: string;

  constructor(filename: string, detected: string, hint?: string) {
    super('UNSUPPORTED_FILE_TYPE', 'extract', `"${filename}" is a ${detected}, which the pipeline cannot read.`, {
      hint: hint ?? 'upload a PDF, a Word document (.docx), or a UTF-8 text or Markdown file.',
    });
    this.detected = detected;
  }
}
