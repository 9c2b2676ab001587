import { UnsupportedFileTypeError } from '../errors/unsupported-file-type.ts';
import { type DocumentFormat, detectFileType } from './detect-type.ts';
import { extractDocx } from './docx.ts';
import { extractPdf } from './pdf.ts';
import { extractText } from './text.ts';

/** A file to read. */
export interface ExtractInput {
  bytes: Uint8Array;
  filename: string;
  mimeType?: string;
}

/** Options of one extraction. */
export interface ExtractOptions {
  /** Checked between pages: an aborted signal stops the extraction with its reason. */
  signal?: AbortSignal;
  /** Called after each page of a paged format (PDF). */
  onProgress?: (done: number, total: number) => void | Promise<void>;
}

/** The text of a document, with page starts when the format has pages. */
export interface ExtractedDocument {
  format: DocumentFormat;
  /** Plain text: paragraphs separated by a blank line. */
  text: string;
  /** Number of pages (PDF only). */
  pages?: number;
  /** Offset in `text` where each page starts (PDF only): `pageOffsets[0]` is page 1. */
  pageOffsets?: number[];
}

/** The extraction stage's interface: bytes in, text out, or a typed error saying why not. */
export interface Extractor {
  extract(input: ExtractInput, options?: ExtractOptions): Promise<ExtractedDocument>;
}

/**
 * The default extractor: detects the format (`detectFileType`) and reads PDF with pdf-parse, DOCX
 * with mammoth, and UTF-8 text and Markdown as they are. Throws `UnsupportedFileTypeError`,
 * `CorruptPdfError`, `EncryptedPdfError` or `CorruptDocxError`; an empty result is the pipeline's
 * concern (`EmptyDocumentError`), since only it knows whether empty is acceptable.
 */
export class DocumentExtractor implements Extractor {
  async extract(input: ExtractInput, options: ExtractOptions = {}): Promise<ExtractedDocument> {
    const detection = detectFileType(input.bytes, input.filename, input.mimeType);
    if (!detection.supported) throw new UnsupportedFileTypeError(input.filename, detection.detected, detection.hint);
    switch (detection.format) {
      case 'pdf':
        return extractPdf(input.bytes, input.filename, options);
      case 'docx':
        return extractDocx(input.bytes, input.filename);
      default:
        return extractText(input.bytes, input.filename, detection.format);
    }
  }
}
