/** Common English words that say nothing about a passage's topic. */
const STOPWORDS = new Set(
  (
    'a about above after again all also am an and any are as at be because been before being below between both but by ' +
    'can could did do does doing down during each few for from further had has have having he her here hers him his how ' +
    'i if in into is it its itself just me more most my no nor not of off on once only or other our ours out over own ' +
    'same she should so some such than that the their theirs them then there these they this those through to too under ' +
    'until up very was we were what when where which while who whom why will with would you your yours'
  ).split(' '),
);

/** Lowercase words of `text`, accents folded, stopwords dropped, plural `s` trimmed. */
export function contentTokens(text: string): string[] {
  const folded = text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
  const tokens: string[] = [];
  for (const match of folded.matchAll(/[\p{L}\p{N}]+/gu)) {
    const word = match[0];
    if (STOPWORDS.has(word)) continue;
    tokens.push(stem(word));
  }
  return tokens;
}

/** Just enough stemming that `caregivers`, `caregiver` and `policies`, `policy` meet. */
function stem(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith('s') && !/(ss|us|is)$/.test(word)) return word.slice(0, -1);
  return word;
}

/** 32-bit FNV-1a: fast, stable across runs and machines. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Hashed unigram + bigram features of `text` in `dimensions` slots, each feature weighted
 * `1 + ln(count)` (bigrams half as much) with a hash-chosen sign so collisions cancel out on
 * average, then l2-normalised. Empty text gives the zero vector.
 */
export function hashFeatures(text: string, dimensions: number): number[] {
  const counts = new Map<string, number>();
  const tokens = contentTokens(text);
  for (let i = 0; i < tokens.length; i++) {
    const unigram = tokens[i] as string;
    counts.set(unigram, (counts.get(unigram) ?? 0) + 1);
    if (i > 0) {
      const bigram = `${tokens[i - 1]} ${unigram}`;
      counts.set(bigram, (counts.get(bigram) ?? 0) + 1);
    }
  }
  const vector = new Array<number>(dimensions).fill(0);
  for (const [feature, count] of counts) {
    const hash = fnv1a(feature);
    const weight = (1 + Math.log(count)) * (feature.includes(' ') ? 0.5 : 1);
    const slot = hash % dimensions;
    vector[slot] = (vector[slot] as number) + (hash & 0x80000000 ? -weight : weight);
  }
  const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
  return norm === 0 ? vector : vector.map((x) => x / norm);
}
