import { describe, expect, it } from 'vitest';
import { detectFileType } from '../src/index.ts';
import { readSample } from './helpers.ts';

const text = (s: string) => new TextEncoder().encode(s);

describe('detectFileType: magic bytes first, extension second', () => {
  it('recognises the shipped samples by their bytes, whatever their names say', async () => {
    expect(detectFileType(await readSample('travel-policy.pdf'), 'upload.bin')).toEqual({
      supported: true,
      format: 'pdf',
    });
    expect(detectFileType(await readSample('remote-work.docx'), 'upload.bin')).toEqual({
      supported: true,
      format: 'docx',
    });
    expect(detectFileType(await readSample('employee-handbook.md'), 'handbook.md')).toEqual({
      supported: true,
      format: 'markdown',
    });
    expect(detectFileType(await readSample('employee-handbook.md'), 'handbook.txt')).toEqual({
      supported: true,
      format: 'text',
    });
    expect(detectFileType(text('# hi'), 'notes', 'text/markdown')).toEqual({ supported: true, format: 'markdown' });
  });

  it('a PNG named .pdf is a PNG, and a legacy .doc is refused with advice', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    expect(detectFileType(png, 'scan.pdf')).toMatchObject({ supported: false, detected: 'PNG image' });
    const ole = new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]);
    const doc = detectFileType(ole, 'old.doc');
    expect(doc).toMatchObject({ supported: false });
    expect(doc.supported === false && doc.hint).toMatch(/\.docx or PDF/);
  });

  it('a file claiming to be PDF or DOCX goes to that reader (which then reports it corrupt)', () => {
    expect(detectFileType(text('hello'), 'report.pdf')).toEqual({ supported: true, format: 'pdf' });
    expect(detectFileType(text('hello'), 'report.docx')).toEqual({ supported: true, format: 'docx' });
  });

  it('ZIP archives that are not Word documents, binaries and UTF-16 are unsupported', () => {
    const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, ...text('xl/workbook.xml')]);
    expect(detectFileType(zip, 'sheet.xlsx')).toMatchObject({
      supported: false,
      detected: '.xlsx document (ZIP container)',
    });
    expect(detectFileType(zip, 'files.zip')).toMatchObject({ supported: false, detected: 'ZIP archive' });
    expect(detectFileType(new Uint8Array([1, 2, 0, 4, 5]), 'blob')).toMatchObject({ supported: false });
    expect(detectFileType(new Uint8Array([0xff, 0xfe, 0x41, 0x00]), 'u16.txt')).toMatchObject({
      supported: false,
      detected: 'UTF-16 text file',
    });
    expect(detectFileType(new Uint8Array([0xc3, 0x28, 0x41]), 'latin.txt')).toMatchObject({ supported: false });
  });
});
