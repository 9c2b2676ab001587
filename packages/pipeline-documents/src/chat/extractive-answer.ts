import { sentenceSpans } from '../chunking/spans.ts';
import { hashFeatures } from '../embedder/hash-features.ts';
import type { SearchHit } from '../vector-store/vector-store.ts';

/** How many passages the extractive answer looks into, and how many sentences it quotes. */
const PASSAGES = 3;
const SENTENCES = 2;
const DIMENSIONS = 1024;

/** Sentences of `text` with their word overlap with the question (hashed features, cosine). */
function scoredSentences(text: string, question: number[]): { sentence: string; score: number }[] {
  return sentenceSpans(text, 0, text.length).map(({ start, end }) => {
    const sentence = text.slice(start, end);
    const features = hashFeatures(sentence, DIMENSIONS);
    let score = 0;
    for (let i = 0; i < DIMENSIONS; i++) score += (features[i] as number) * (question[i] as number);
    return { sentence, score };
  });
}

/**
 * The offline answer: from the best passages, the sentences sharing the most words with the
 * question, each followed by the number of the source it comes from (`[1]` is `sources[0]`).
 * Without hits it says so instead of guessing.
 */
export function extractiveAnswer(question: string, hits: readonly SearchHit[]): string {
  if (hits.length === 0) return 'I found nothing in the uploaded documents that matches this question.';
  const query = hashFeatures(question, DIMENSIONS);
  const candidates = hits
    .slice(0, PASSAGES)
    .flatMap((hit, source) =>
      scoredSentences(hit.text, query).map((entry) => ({ ...entry, source, weight: entry.score * (1 + hit.score) })),
    );
  const best = candidates
    .filter((candidate) => candidate.score > 0)
    .sort((a, b) => b.weight - a.weight || a.source - b.source)
    .filter((candidate, i, all) => all.findIndex((other) => other.sentence === candidate.sentence) === i)
    .slice(0, SENTENCES);
  if (best.length === 0) {
    const top = hits[0] as SearchHit;
    return `The closest passage, from ${top.filename}: ${top.text} [1]`;
  }
  return best.map((candidate) => `${candidate.sentence} [${candidate.source + 1}]`).join(' ');
}
