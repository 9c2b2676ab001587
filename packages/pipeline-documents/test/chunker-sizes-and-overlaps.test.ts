import { ConfigError } from '@celeriac/core';
import { describe, expect, it } from 'vitest';
import { approximateTokens, type Chunk, DocumentExtractor, TextChunker } from '../src/index.ts';
import { readSample } from './helpers.ts';

/** Every invariant a chunking must hold, checked on one text. */
function checkChunks(text: string, chunks: Chunk[], size: number, overlap: number): void {
  expect(chunks.length).toBeGreaterThan(0);
  chunks.forEach((chunk, i) => {
    expect(chunk.index).toBe(i);
    expect(chunk.text).toBe(text.slice(chunk.start, chunk.end));
    expect(chunk.text.length).toBeLessThanOrEqual(size);
    expect(chunk.text).toBe(chunk.text.trim());
    // Never mid-word: the characters just outside a chunk are whitespace (or the text's ends).
    expect(chunk.start === 0 || /\s/.test(text[chunk.start - 1] as string)).toBe(true);
    expect(chunk.end === text.length || /\s/.test(text[chunk.end] as string)).toBe(true);
    const previous = chunks[i - 1];
    if (previous !== undefined) {
      expect(chunk.start).toBeGreaterThan(previous.start);
      expect(chunk.end).toBeGreaterThan(previous.end);
      // Overlap: at most `overlap` characters of the previous chunk are repeated.
      expect(Math.max(0, previous.end - chunk.start)).toBeLessThanOrEqual(overlap);
    }
  });
  // Nothing is lost: every word of the text is inside some chunk.
  for (const match of text.matchAll(/\S+/g)) {
    const start = match.index ?? 0;
    const end = start + match[0].length;
    expect(chunks.some((chunk) => chunk.start <= start && end <= chunk.end)).toBe(true);
  }
}

describe('TextChunker on the shipped samples', () => {
  it.each([
    [400, 60],
    [600, 100],
    [1000, 150],
    [250, 0],
  ])('handbook at size %i, overlap %i: sizes, offsets, word boundaries and overlaps hold', async (size, overlap) => {
    const text = (await readSample('employee-handbook.md')).toString('utf8');
    const chunks = new TextChunker({ size, overlap }).chunk(text);
    checkChunks(text, chunks, size, overlap);
    if (overlap > 0) {
      const overlapping = chunks.slice(1).filter((chunk, i) => chunk.start < (chunks[i] as Chunk).end);
      expect(overlapping.length).toBeGreaterThan(chunks.length / 2);
    } else {
      for (const [i, chunk] of chunks.slice(1).entries()) {
        expect(chunk.start).toBeGreaterThanOrEqual((chunks[i] as Chunk).end);
      }
    }
  });

  it('the handbook makes at least 20 chunks of 400 characters, and headings open chunks rather than end them', async () => {
    const text = (await readSample('employee-handbook.md')).toString('utf8');
    const chunks = new TextChunker({ size: 400, overlap: 60 }).chunk(text);
    expect(chunks.length).toBeGreaterThanOrEqual(20);
    for (const chunk of chunks) expect(chunk.text).not.toMatch(/\n## [^\n]*$/);
    const parental = chunks.find((chunk) => chunk.text.includes('Secondary caregivers receive six weeks'));
    expect(parental?.text).toContain('## 7. Parental leave');
  });

  it('splits the PDF text into chunks that keep whole sentences where they fit', async () => {
    const bytes = await readSample('travel-policy.pdf');
    const { text } = await new DocumentExtractor().extract({ bytes, filename: 'travel-policy.pdf' });
    const chunks = new TextChunker({ size: 500, overlap: 80 }).chunk(text);
    checkChunks(text, chunks, 500, 80);
    const sentence = 'Employees must submit expense reports within 30 days of the end of a trip.';
    expect(chunks.some((chunk) => chunk.text.includes(sentence))).toBe(true);
  });
});

describe('TextChunker edge cases', () => {
  it('a paragraph longer than the size is cut between sentences, then between words', () => {
    const sentence = 'Every sentence here has exactly eight words in it. ';
    const text = sentence.repeat(30).trim();
    const chunks = new TextChunker({ size: 120, overlap: 20 }).chunk(text);
    checkChunks(text, chunks, 120, 20);
    const words = Array.from({ length: 200 }, (_, i) => `word${i}`).join(' ');
    checkChunks(words, new TextChunker({ size: 50, overlap: 10 }).chunk(words), 50, 10);
  });

  it('only a single word longer than the size is ever cut', () => {
    const text = `start ${'x'.repeat(25)} end`;
    const chunks = new TextChunker({ size: 10, overlap: 0 }).chunk(text);
    expect(chunks.map((chunk) => chunk.text)).toEqual(['start', 'xxxxxxxxxx', 'xxxxxxxxxx', 'xxxxx end']);
  });

  it('counts approximate tokens when asked (4 characters each by default)', async () => {
    const text = (await readSample('employee-handbook.md')).toString('utf8');
    const chunker = new TextChunker({ size: 100, overlap: 15, unit: 'tokens' });
    expect(chunker.size).toBe(400);
    expect(chunker.overlap).toBe(60);
    for (const chunk of chunker.chunk(text)) expect(approximateTokens(chunk.text)).toBeLessThanOrEqual(100);
    expect(new TextChunker({ size: 100, overlap: 0, unit: 'tokens', charsPerToken: 3 }).size).toBe(300);
  });

  it('empty and blank text make no chunks; bad options are ConfigErrors', () => {
    expect(new TextChunker().chunk('')).toEqual([]);
    expect(new TextChunker().chunk(' \n\n \t')).toEqual([]);
    expect(new TextChunker({ size: 1000, overlap: 150 }).chunk('  One short line.  ')).toEqual([
      { index: 0, text: 'One short line.', start: 2, end: 17 },
    ]);
    expect(() => new TextChunker({ size: 100, overlap: 100 })).toThrow(ConfigError);
    expect(() => new TextChunker({ size: 0 })).toThrow(ConfigError);
    expect(() => new TextChunker({ size: 100, overlap: -1 })).toThrow(ConfigError);
  });
});
