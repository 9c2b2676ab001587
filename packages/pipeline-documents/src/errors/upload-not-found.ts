import { DocumentPipelineError } from './pipeline-error.ts';

/** No upload with this id is in the storage (never saved, deleted, or a different data directory). */
export class UploadNotFoundError extends DocumentPipelineError {
  readonly uploadId: string;

  constructor(uploadId: string) {
    super('UPLOAD_NOT_FOUND', 'load', `No upload with id "${uploadId}" is in the storage.`, {
      hint: 'upload the file first, and check that the workers and the web service use the same storage directory.',
    });
    this.uploadId = uploadId;
  }
}
