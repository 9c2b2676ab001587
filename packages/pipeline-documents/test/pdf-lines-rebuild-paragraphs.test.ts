import { describe, expect, it } from 'vitest';
import { joinPdfLines } from '../src/index.ts';

describe('joinPdfLines', () => {
  it('joins wrapped lines, keeps short last lines and headings as paragraph ends', () => {
    const page = [
      '1. Purpose',
      'The purpose of this policy is to let employees travel safely and comfortably while the',
      'company spends its money with care. Travel should be booked only when a meeting',
      'cannot be held by video call.',
      '2. Booking',
      'All flights must be booked through the travel desk at least fourteen days before the',
      'departure date and no later.',
    ].join('\n');
    expect(joinPdfLines(page)).toBe(
      [
        '1. Purpose',
        'The purpose of this policy is to let employees travel safely and comfortably while the company spends its money with care. Travel should be booked only when a meeting cannot be held by video call.',
        '2. Booking',
        'All flights must be booked through the travel desk at least fourteen days before the departure date and no later.',
      ].join('\n\n'),
    );
  });

  it('rejoins a word hyphenated at a line end, and keeps lines of narrow pages apart', () => {
    const page =
      'A long line that goes on and on until the very end of the printed text width of the well-\nknown page and then it ends.';
    expect(joinPdfLines(page)).toBe(
      'A long line that goes on and on until the very end of the printed text width of the well-known page and then it ends.',
    );
    expect(joinPdfLines('Name\nAge\nCity')).toBe('Name\n\nAge\n\nCity');
    expect(joinPdfLines('  \n \n')).toBe('');
  });
});
