import { DocumentPipelineError } from './pipeline-error.ts';

/** The file looks like a Word document but its ZIP container or XML cannot be read. */
export class CorruptDocxError extends DocumentPipelineError {
  constructor(filename: string, detail: string, options: { cause?: unknown } = {}) {
    super('CORRUPT_DOCX', 'extract', `"${filename}" is not a readable Word document: ${detail}.`, {
      hint: 'open it in Word or LibreOffice, save it again as .docx, and upload the new file.',
      cause: options.cause,
    });
  }
}
