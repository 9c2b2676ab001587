/** A line shorter than this share of the page's longest line ends its paragraph (or is a heading). */
const SHORT_LINE = 0.8;
/** Pages whose longest line is shorter than this are lists or tables: keep every line. */
const MIN_WIDTH = 40;

/** A short line with no closing punctuation, after a finished sentence: a heading such as `3. Hotels`. */
function looksLikeHeading(line: string, width: number): boolean {
  return line.length < width * 0.6 && !/[.,;:!?]$/.test(line);
}

/**
 * Rebuild paragraphs from a page of PDF text, which has one line per printed line and no blank
 * lines: a line as long as the page's text width continues on the next line (joined with a space,
 * or directly after a hyphen before a lowercase letter); a short line ends its paragraph.
 * Paragraphs come out separated by a blank line, which the chunker splits on first.
 */
export function joinPdfLines(page: string): string {
  const lines = page
    .split('\n')
    .map((line) => line.replace(/\s+/g, ' ').trim())
    .filter((line) => line !== '');
  if (lines.length === 0) return '';
  const width = Math.max(...lines.map((line) => line.length));
  const paragraphs: string[] = [];
  let current = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const next = lines[i + 1];
    if (current === '') current = line;
    else if (current.endsWith('-') && /^[a-z]/.test(line)) current += line;
    else current += ` ${line}`;
    const ends =
      next === undefined ||
      width < MIN_WIDTH ||
      line.length < width * SHORT_LINE ||
      (/[.!?:]$/.test(line) && looksLikeHeading(next, width));
    if (ends) {
      paragraphs.push(current);
      current = '';
    }
  }
  return paragraphs.join('\n\n');
}
