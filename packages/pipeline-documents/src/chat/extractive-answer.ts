import { isHeading, sentenceSpans } from '../chunking/spans.ts';
import { hashFeatures } from '../embedder/hash-features.ts';
import type { SearchHit } from '../vector-store/vector-store.ts';

/** How many passages the extractive answer looks into, and how many sentences it quotes. */
const PASSAGES = 3;
const SENTENCES = 2;
/** A second sentence is quoted only when it scores at least this share of the best one. */
const SECOND_SHARE = 0.6;
/** Fewer words than this is a heading or a fragment (`4.`), not an answer. */
const MIN_WORDS = 4;
const DIMENSIONS = 1024;

/** Sentences of `text` with their word overlap with the question (hashed features, cosine). */
function scoredSentences(text: string, question: number[]): { sentence: string; score: number }[] {
  const sentences = sentenceSpans(text, 0, text.length)
    .map(({ start, end }) => text.slice(start, end))
    .filter((sentence) => !isHeading(sentence) && sentence.split(/\s+/).length >= MIN_WORDS);
  return sentences.map((sentence) => {
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
  const ranked = candidates
    .filter((candidate) => candidate.score > 0)
    .sort((a, b) => b.weight - a.weight || a.source - b.source)
    .filter((candidate, i, all) => all.findIndex((other) => other.sentence === candidate.sentence) === i);
  const top = ranked[0]?.weight ?? 0;
  const best = ranked.slice(0, SENTENCES).filter((candidate) => candidate.weight >= top * SECOND_SHARE);
  if (best.length === 0) {
    const closest = hits[0] as SearchHit;
    return `The closest passage, from ${closest.filename}: ${closest.text} [1]`;
  }
  return best.map((candidate) => `${candidate.sentence} [${candidate.source + 1}]`).join(' ');
}
