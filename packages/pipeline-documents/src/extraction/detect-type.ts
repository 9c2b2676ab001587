/** The formats the pipeline reads. */
export type DocumentFormat = 'pdf' | 'docx' | 'text' | 'markdown';

/** What `detectFileType` decided: a format to extract, or why the file is not supported. */
export type Detection =
  | { supported: true; format: DocumentFormat }
  | { supported: false; detected: string; hint?: string };

const MARKDOWN_EXTENSIONS = new Set(['md', 'markdown', 'mdown', 'mkd']);
const SNIFF_BYTES = 64 * 1024;

/** Magic numbers of common files the pipeline does not read, with advice. */
const KNOWN_BINARIES: { magic: number[]; detected: string; hint?: string }[] = [
  {
    magic: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1],
    detected: 'legacy Microsoft Office file (.doc/.xls/.ppt)',
    hint: 'open it and save it as .docx or PDF, then upload that.',
  },
  {
    magic: [0x89, 0x50, 0x4e, 0x47],
    detected: 'PNG image',
    hint: 'run OCR on it and upload the resulting PDF or text.',
  },
  { magic: [0xff, 0xd8, 0xff], detected: 'JPEG image', hint: 'run OCR on it and upload the resulting PDF or text.' },
  { magic: [0x47, 0x49, 0x46, 0x38], detected: 'GIF image' },
  { magic: [0x1f, 0x8b], detected: 'gzip archive', hint: 'unpack it and upload the document inside.' },
  {
    magic: [0x7b, 0x5c, 0x72, 0x74, 0x66],
    detected: 'RTF document',
    hint: 'save it as .docx or PDF, then upload that.',
  },
  { magic: [0xff, 0xfe], detected: 'UTF-16 text file', hint: 'save it as UTF-8 text and upload it again.' },
  { magic: [0xfe, 0xff], detected: 'UTF-16 text file', hint: 'save it as UTF-8 text and upload it again.' },
];

function startsWith(bytes: Uint8Array, magic: readonly number[], at = 0): boolean {
  if (bytes.length < at + magic.length) return false;
  return magic.every((byte, i) => bytes[at + i] === byte);
}

function extensionOf(filename: string): string {
  const dot = filename.lastIndexOf('.');
  return dot < 0 ? '' : filename.slice(dot + 1).toLowerCase();
}

/** `%PDF-` within the first KiB, where the PDF specification lets readers look for it. */
export function hasPdfHeader(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 1024)).toString('latin1');
  return head.includes('%PDF-');
}

/** A ZIP whose entries include `word/document.xml`: entry names are stored uncompressed in the local headers. */
function isWordZip(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes('word/document.xml', 0, 'latin1');
}

/** UTF-8 without NUL bytes in the first 64 KiB (a multi-byte character cut at the end is fine). */
function looksLikeUtf8Text(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, SNIFF_BYTES);
  if (head.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: head.length < bytes.length });
    return true;
  } catch {
    return false;
  }
}

/**
 * Decide a file's format from its bytes first and its name second: the bytes say what the file is
 * (a `.pdf` that holds a PNG is a PNG); the extension only chooses between text and Markdown, and
 * sends a file that claims to be a PDF or DOCX to that reader, which then reports it as corrupt.
 */
export function detectFileType(bytes: Uint8Array, filename: string, mimeType?: string): Detection {
  const extension = extensionOf(filename);
  if (hasPdfHeader(bytes)) return { supported: true, format: 'pdf' };
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) {
    if (isWordZip(bytes) || extension === 'docx') return { supported: true, format: 'docx' };
    const office = extension === 'xlsx' || extension === 'pptx' || extension === 'odt';
    return {
      supported: false,
      detected: office ? `.${extension} document (ZIP container)` : 'ZIP archive',
      hint: office
        ? 'export it as PDF (or save a text document as .docx) and upload that.'
        : 'unpack it and upload the documents inside one by one.',
    };
  }
  for (const known of KNOWN_BINARIES) {
    if (startsWith(bytes, known.magic)) {
      return known.hint === undefined
        ? { supported: false, detected: known.detected }
        : { supported: false, detected: known.detected, hint: known.hint };
    }
  }
  if (extension === 'pdf' || mimeType === 'application/pdf') return { supported: true, format: 'pdf' };
  if (extension === 'docx') return { supported: true, format: 'docx' };
  if (looksLikeUtf8Text(bytes)) {
    const markdown = MARKDOWN_EXTENSIONS.has(extension) || mimeType === 'text/markdown';
    return { supported: true, format: markdown ? 'markdown' : 'text' };
  }
  return { supported: false, detected: 'binary file of an unknown kind' };
}
