import { DocumentPipelineError } from './pipeline-error.ts';

/** The PDF is password-protected: its text cannot be read without the password. */
export class EncryptedPdfError extends DocumentPipelineError {
  constructor(filename: string, options: { cause?: unknown } = {}) {
    super(
      'ENCRYPTED_PDF',
      'extract',
      `"${filename}" is an encrypted (password-protected) PDF, so its text cannot be read.`,
      {
        hint: 'remove the password (open it and print or export to a new PDF, or run `qpdf --decrypt --password=… in.pdf out.pdf`) and upload the unprotected file.',
        cause: options.cause,
      },
    );
  }
}
