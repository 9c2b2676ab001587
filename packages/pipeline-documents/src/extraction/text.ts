import { UnsupportedFileTypeError } from '../errors/unsupported-file-type.ts';
import type { ExtractedDocument } from './extractor.ts';

/** Decode UTF-8 (a BOM is dropped) and normalise line ends to `\n`. */
export function extractText(bytes: Uint8Array, filename: string, format: 'text' | 'markdown'): ExtractedDocument {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UnsupportedFileTypeError(
      filename,
      'text file that is not valid UTF-8',
      'save it as UTF-8 and upload it again.',
    );
  }
  return { format, text: text.replace(/\r\n?/g, '\n') };
}
