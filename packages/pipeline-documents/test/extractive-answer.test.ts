import { describe, expect, it } from 'vitest';
import { extractiveAnswer, type SearchHit } from '../src/index.ts';

function hit(text: string, score: number, chunkIndex = 0): SearchHit {
  return { uploadId: 'u', attempt: 't', filename: 'policy.pdf', model: 'm', chunkIndex, text, start: 0, end: 1, score };
}

describe('extractiveAnswer (offline answers)', () => {
  it('quotes the sentence sharing the most words with the question, citing its source, skipping headings', () => {
    const answer = extractiveAnswer('What is the daily meal allowance for domestic travel?', [
      hit('3. Hotels\n\nThe nightly rate may not exceed 160 euros.', 0.3),
      hit(
        '4. Meals and daily allowance\n\nThe daily meal allowance for domestic travel is 45 euros. Tips are fine.',
        0.25,
      ),
    ]);
    expect(answer).toBe('The daily meal allowance for domestic travel is 45 euros. [2]');
  });

  it('adds a second sentence only when it is nearly as relevant', () => {
    const answer = extractiveAnswer('parental leave weeks for caregivers', [
      hit(
        'Primary caregivers receive sixteen weeks of paid parental leave. Secondary caregivers receive six weeks of paid parental leave. Forklifts need a certificate.',
        0.5,
      ),
    ]);
    expect(answer).toBe(
      'Primary caregivers receive sixteen weeks of paid parental leave. [1] Secondary caregivers receive six weeks of paid parental leave. [1]',
    );
  });

  it('says so when nothing matched, and falls back to the closest passage when no sentence shares a word', () => {
    expect(extractiveAnswer('anything', [])).toBe(
      'I found nothing in the uploaded documents that matches this question.',
    );
    expect(extractiveAnswer('zebra', [hit('Forklifts need a valid certificate.', 0.1)])).toBe(
      'The closest passage, from policy.pdf: Forklifts need a valid certificate. [1]',
    );
  });
});
