/** A half-open range `[start, end)` of the text, never starting or ending on whitespace. */
export interface Span {
  start: number;
  end: number;
}

/** Split `[from, to)` of `text` at the matches of `separator`, dropping whitespace around each piece. */
function splitSpan(text: string, from: number, to: number, separator: RegExp): Span[] {
  const spans: Span[] = [];
  const slice = text.slice(from, to);
  let last = 0;
  const pattern = new RegExp(separator.source, 'gu');
  for (const match of slice.matchAll(pattern)) {
    const cut = (match.index ?? 0) + match[0].length;
    pushTrimmed(text, from + last, from + cut, spans);
    last = cut;
  }
  pushTrimmed(text, from + last, to, spans);
  return spans;
}

function pushTrimmed(text: string, start: number, end: number, into: Span[]): void {
  while (start < end && /\s/.test(text[start] as string)) start++;
  while (end > start && /\s/.test(text[end - 1] as string)) end--;
  if (end > start) into.push({ start, end });
}

/** Paragraphs: separated by a blank line. */
export function paragraphSpans(text: string, from: number = 0, to: number = text.length): Span[] {
  return splitSpan(text, from, to, /\n[ \t]*\n\s*/);
}

/**
 * Sentences: cut after `.`, `!`, `?` or `…` (and closing quotes or brackets) followed by
 * whitespace, and at single line breaks (list items, headings, verse).
 */
export function sentenceSpans(text: string, from: number, to: number): Span[] {
  return splitSpan(text, from, to, /[.!?…]+["'”’)\]]*\s+|\n/);
}

/** Words: runs of non-whitespace. */
export function wordSpans(text: string, from: number, to: number): Span[] {
  const spans: Span[] = [];
  for (const match of text.slice(from, to).matchAll(/\S+/gu)) {
    const start = from + (match.index ?? 0);
    spans.push({ start, end: start + match[0].length });
  }
  return spans;
}

/** A Markdown heading, or a short single line without closing punctuation (`3. Hotels`). */
export function isHeading(unit: string): boolean {
  if (unit.includes('\n')) return false;
  return /^#{1,6}\s/.test(unit) || (unit.length <= 80 && !/[.,;:!?)"'”’]$/.test(unit));
}

/**
 * The smallest pieces a chunk is built from, in order: whole paragraphs when they fit in `size`,
 * else their sentences, else their words; a single word longer than `size` (a long URL, a base64
 * blob) is the only thing ever cut, at `size` characters.
 */
export function unitSpans(text: string, size: number): Span[] {
  const units: Span[] = [];
  let previous: Span | undefined;
  for (const paragraph of paragraphSpans(text)) {
    // Under a heading that cannot share a chunk with the whole paragraph, go by sentences, so the
    // heading can at least lead the paragraph's first sentences instead of standing alone.
    const headed =
      previous !== undefined &&
      paragraph.end - previous.start > size &&
      isHeading(text.slice(previous.start, previous.end));
    previous = paragraph;
    if (paragraph.end - paragraph.start <= size && !headed) {
      units.push(paragraph);
      continue;
    }
    for (const sentence of sentenceSpans(text, paragraph.start, paragraph.end)) {
      if (sentence.end - sentence.start <= size) {
        units.push(sentence);
        continue;
      }
      for (const word of wordSpans(text, sentence.start, sentence.end)) {
        for (let start = word.start; start < word.end; start += size) {
          units.push({ start, end: Math.min(word.end, start + size) });
        }
      }
    }
  }
  return units;
}
