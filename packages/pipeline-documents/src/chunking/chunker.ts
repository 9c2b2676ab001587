import { ConfigError } from '@celeriac/core';
import { isHeading, type Span, unitSpans } from './spans.ts';

/** One piece of a document's text, as embedded and stored. */
export interface Chunk {
  /** 0-based position among the document's chunks. */
  index: number;
  text: string;
  /** Offset of the first character in the extracted text (UTF-16 code units, as `String#slice`). */
  start: number;
  /** Offset just past the last character: `text === documentText.slice(start, end)`. */
  end: number;
}

/** The chunking stage's interface. */
export interface Chunker {
  chunk(text: string): Chunk[];
}

/** Options of `TextChunker`. */
export interface TextChunkerOptions {
  /** Largest chunk, in `unit`s. @default 1000 characters (250 tokens) */
  size?: number;
  /** How much of the end of a chunk the next one repeats, at most, in `unit`s. @default 150 characters */
  overlap?: number;
  /** `'tokens'` counts approximate tokens: `charsPerToken` characters each. @default 'characters' */
  unit?: 'characters' | 'tokens';
  /** Characters per token when `unit` is `'tokens'` (English prose averages about 4). @default 4 */
  charsPerToken?: number;
}

/** Approximate token count of `text` (`ceil(length / charsPerToken)`), as `TextChunker` counts them. */
export function approximateTokens(text: string, charsPerToken = 4): number {
  return Math.ceil(text.length / charsPerToken);
}

/**
 * Splits text into chunks of at most `size`, on paragraph boundaries when paragraphs fit, then on
 * sentence boundaries, then between words — never inside a word (save a single word longer than
 * `size`). Each chunk after the first starts up to `overlap` characters before the previous one
 * ended, at the start of a word, so a sentence cut between two chunks is whole in one of them.
 */
export class TextChunker implements Chunker {
  /** Largest chunk, in characters. */
  readonly size: number;
  /** Largest overlap, in characters. */
  readonly overlap: number;

  constructor(options: TextChunkerOptions = {}) {
    const perUnit = options.unit === 'tokens' ? (options.charsPerToken ?? 4) : 1;
    const size = options.size ?? (options.unit === 'tokens' ? 250 : 1000);
    const overlap = options.overlap ?? (options.unit === 'tokens' ? 37 : 150);
    if (!Number.isFinite(perUnit) || perUnit <= 0) throw new ConfigError('charsPerToken must be a positive number.');
    this.size = Math.floor(size * perUnit);
    this.overlap = Math.floor(overlap * perUnit);
    if (!(this.size >= 1)) throw new ConfigError(`Chunk size must be at least 1 character (got ${size}).`);
    if (!(this.overlap >= 0 && this.overlap < this.size)) {
      throw new ConfigError(`Chunk overlap must be at least 0 and smaller than the size (got ${overlap} for ${size}).`);
    }
  }

  chunk(text: string): Chunk[] {
    const units = unitSpans(text, this.size);
    const wordStarts = [...text.matchAll(/\S+/gu)].map((match) => match.index ?? 0);
    const chunks: Chunk[] = [];
    let next = 0;
    let start = units[0]?.start ?? 0;
    while (next < units.length) {
      const first = next;
      let end = (units[next] as Span).end;
      next++;
      while (next < units.length && (units[next] as Span).end - start <= this.size) {
        end = (units[next] as Span).end;
        next++;
      }
      // A heading belongs with the text after it: leave it for the next chunk.
      const last = units[next - 1] as Span;
      if (next < units.length && next - 1 > first && isHeading(text.slice(last.start, last.end))) {
        next--;
        end = (units[next - 1] as Span).end;
      }
      chunks.push({ index: chunks.length, text: text.slice(start, end), start, end });
      const following = units[next];
      if (following === undefined) break;
      // Leave room for the text under a heading too, so the next chunk is not just overlap + heading.
      const after = units[next + 1];
      const room =
        after !== undefined && isHeading(text.slice(following.start, following.end)) ? after.end : following.end;
      start = this.#overlapStart(wordStarts, start, end, following.start, room);
    }
    return chunks;
  }

  /**
   * Where the chunk after `[start, end)` begins: the first word start at most `overlap` before
   * `end` that still leaves room for the text up to `room` (the next unit, or a heading and the
   * unit under it); with no such word, at the next unit (`followingStart`), without overlap.
   */
  #overlapStart(wordStarts: number[], start: number, end: number, followingStart: number, room: number): number {
    const lowest = Math.max(end - this.overlap, room - this.size, start + 1);
    let lo = 0;
    let hi = wordStarts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((wordStarts[mid] as number) < lowest) lo = mid + 1;
      else hi = mid;
    }
    const candidate = wordStarts[lo];
    return candidate !== undefined && candidate < end ? candidate : followingStart;
  }
}
