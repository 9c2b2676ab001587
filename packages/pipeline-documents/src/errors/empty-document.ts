import { DocumentPipelineError, type PipelineStage } from './pipeline-error.ts';

/** The file is empty, or has no extractable text (e.g. a PDF of scanned images). */
export class EmptyDocumentError extends DocumentPipelineError {
  constructor(filename: string, detail: string, stage: PipelineStage = 'extract') {
    super('EMPTY_DOCUMENT', stage, `"${filename}" ${detail}.`, {
      hint: 'upload a file that contains text; a scanned PDF needs OCR first (e.g. `ocrmypdf in.pdf out.pdf`).',
    });
  }
}
