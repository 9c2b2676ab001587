import { describe, expect, it } from 'vitest';
import {
  CorruptDocxError,
  CorruptPdfError,
  DocumentExtractor,
  EncryptedPdfError,
  UnsupportedFileTypeError,
} from '../src/index.ts';
import { readSample } from './helpers.ts';

const extractor = new DocumentExtractor();

async function extractSample(name: string) {
  return extractor.extract({ bytes: await readSample(name), filename: name });
}

describe('extraction from the shipped samples', () => {
  it('reads every page of the LibreOffice PDF, with paragraphs rebuilt and page offsets', async () => {
    const progress: [number, number][] = [];
    const document = await extractor.extract(
      { bytes: await readSample('travel-policy.pdf'), filename: 'travel-policy.pdf' },
      { onProgress: (done, total) => void progress.push([done, total]) },
    );
    expect(document.format).toBe('pdf');
    expect(document.pages).toBe(3);
    expect(progress).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    // Sentences that the PDF prints across two lines come out whole.
    expect(document.text).toContain('Employees must submit expense reports within 30 days of the end of a trip.');
    expect(document.text).toContain('The daily meal allowance for domestic travel is 45 euros.');
    expect(document.text).toContain('Economy class is required for flights shorter than six hours.');
    expect(document.text).toContain('Requests for exceptions are approved by the regional finance director.');
    // Headings stand alone as paragraphs.
    expect(document.text).toContain('\n\n3. Hotels\n\n');
    const offsets = document.pageOffsets ?? [];
    expect(offsets).toHaveLength(3);
    expect(document.text.slice(offsets[1], offsets[2])).toMatch(/^4\. Meals and daily allowance/);
    expect(document.text.slice(offsets[2])).toMatch(/^7\. Safety while travelling/);
  });

  it('reads the DOCX through mammoth', async () => {
    const document = await extractSample('remote-work.docx');
    expect(document.format).toBe('docx');
    expect(document.pages).toBeUndefined();
    expect(document.text).toMatch(/^Brightfield Logistics — Remote Work Guidelines\n\n/);
    expect(document.text).toContain(
      'Remote employees are expected to be reachable between 10:00 and 15:00 in their local time zone.',
    );
    expect(document.text).toContain('The company reimburses up to 300 euros per year for home office equipment');
  });

  it('reads Markdown as it is, with Windows line ends normalised and a BOM dropped', async () => {
    const document = await extractSample('employee-handbook.md');
    expect(document.format).toBe('markdown');
    expect(document.text).toContain('Secondary caregivers receive six weeks of paid parental leave');
    const crlf = await extractor.extract({
      bytes: new TextEncoder().encode('\uFEFFline one\r\nline two\r\n'),
      filename: 'notes.txt',
    });
    expect(crlf).toEqual({ format: 'text', text: 'line one\nline two\n' });
  });
});

describe('extraction failures are typed and say what to do', () => {
  it('an encrypted PDF (qpdf, AES-256) → EncryptedPdfError', async () => {
    const error = await extractSample('encrypted.pdf').catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(EncryptedPdfError);
    expect((error as EncryptedPdfError).stage).toBe('extract');
    expect((error as Error).message).toMatch(
      /^\[extract\] "encrypted\.pdf" is an encrypted .* What to do: remove the password/,
    );
  });

  it('a truncated PDF → CorruptPdfError', async () => {
    const error = await extractSample('corrupt.pdf').catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(CorruptPdfError);
    expect((error as Error).message).toMatch(/"corrupt\.pdf" is not a readable PDF: .*What to do: .*upload it again/);
  });

  it('a .pdf without a PDF header → CorruptPdfError; a .docx that is no ZIP → CorruptDocxError', async () => {
    const bytes = new TextEncoder().encode('this is not a document');
    await expect(extractor.extract({ bytes, filename: 'fake.pdf' })).rejects.toThrow(CorruptPdfError);
    await expect(extractor.extract({ bytes, filename: 'fake.pdf' })).rejects.toThrow(/no %PDF header/);
    await expect(extractor.extract({ bytes, filename: 'fake.docx' })).rejects.toThrow(CorruptDocxError);
    const truncatedDocx = (await readSample('remote-work.docx')).subarray(0, 1500);
    await expect(extractor.extract({ bytes: truncatedDocx, filename: 'cut.docx' })).rejects.toThrow(CorruptDocxError);
  });

  it('images and archives → UnsupportedFileTypeError naming what they are', async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    const error = await extractor.extract({ bytes: png, filename: 'scan.png' }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(UnsupportedFileTypeError);
    expect((error as UnsupportedFileTypeError).detected).toBe('PNG image');
    expect((error as Error).message).toMatch(
      /"scan\.png" is a PNG image, which the pipeline cannot read\. What to do: run OCR/,
    );
  });

  it('a revoked extraction stops between pages with the signal reason', async () => {
    const controller = new AbortController();
    const reason = new Error('revoked');
    const pages: number[] = [];
    const error = await extractor
      .extract(
        { bytes: await readSample('travel-policy.pdf'), filename: 'travel-policy.pdf' },
        {
          signal: controller.signal,
          onProgress: (done) => {
            pages.push(done);
            if (done === 1) controller.abort(reason);
          },
        },
      )
      .catch((thrown: unknown) => thrown);
    expect(error).toBe(reason);
    expect(pages).toEqual([1]);
  });
});
