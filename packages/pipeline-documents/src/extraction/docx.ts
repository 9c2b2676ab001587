import { coerceError } from '@celeriac/core';
import { CorruptDocxError } from '../errors/corrupt-docx.ts';
import type { ExtractedDocument } from './extractor.ts';

/** Raw text of a .docx through mammoth (loaded on first use): paragraphs separated by a blank line. */
export async function extractDocx(bytes: Uint8Array, filename: string): Promise<ExtractedDocument> {
  const { default: mammoth } = await import('mammoth');
  let value: string;
  try {
    ({ value } = await mammoth.extractRawText({
      buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    }));
  } catch (error) {
    throw new CorruptDocxError(filename, coerceError(error).message.replace(/\.$/, ''), { cause: error });
  }
  return { format: 'docx', text: value.replace(/\r\n?/g, '\n').replace(/\n{3,}/g, '\n\n') };
}
