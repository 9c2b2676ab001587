import { coerceError } from '@celeriac/core';
import { CorruptPdfError } from '../errors/corrupt-pdf.ts';
import { EncryptedPdfError } from '../errors/encrypted-pdf.ts';
import { hasPdfHeader } from './detect-type.ts';
import type { ExtractedDocument, ExtractOptions } from './extractor.ts';
import { joinPdfLines } from './pdf-lines.ts';

/** pdf.js error names (pdf-parse re-exports them as classes; names also survive duplicate copies). */
const CORRUPT = new Set(['InvalidPDFException', 'FormatError', 'UnknownErrorException', 'MissingPDFException']);

function toPdfError(error: unknown, filename: string): Error {
  const e = coerceError(error);
  if (e.name === 'PasswordException') return new EncryptedPdfError(filename, { cause: error });
  if (CORRUPT.has(e.name)) return new CorruptPdfError(filename, e.message.replace(/\.$/, ''), { cause: error });
  return e;
}

/**
 * Text of a PDF through pdf-parse 2 (pdf.js), page by page so a revoke stops it between pages and
 * progress can be reported. pdf.js gives one line per printed line; `joinPdfLines` rebuilds
 * paragraphs so sentences are not cut at line ends.
 */
export async function extractPdf(
  bytes: Uint8Array,
  filename: string,
  options: ExtractOptions = {},
): Promise<ExtractedDocument> {
  if (!hasPdfHeader(bytes)) {
    throw new CorruptPdfError(filename, 'it has no %PDF header');
  }
  const { PDFParse, VerbosityLevel } = await import('pdf-parse');
  // pdf.js may transfer (detach) the buffer it is given: hand it a copy.
  const parser = new PDFParse({ data: bytes.slice(), verbosity: VerbosityLevel.ERRORS });
  try {
    const pages: string[] = [];
    let total = 1;
    for (let page = 1; page <= total; page++) {
      options.signal?.throwIfAborted();
      const result = await parser.getText({ partial: [page] }).catch((error: unknown) => {
        throw toPdfError(error, filename);
      });
      total = result.total;
      pages.push(joinPdfLines(result.pages[0]?.text ?? ''));
      await options.onProgress?.(page, total);
    }
    const pageOffsets: number[] = [];
    let text = '';
    for (const page of pages) {
      if (text !== '' && page !== '') text += '\n\n';
      pageOffsets.push(text.length);
      text += page;
    }
    return { format: 'pdf', text, pages: total, pageOffsets };
  } finally {
    await parser.destroy().catch(() => undefined);
  }
}
