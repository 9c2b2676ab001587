import { describe, expect, it } from 'vitest';
import {
  type DocumentProgress,
  EncryptedPdfError,
  FileTooLargeError,
  formatBytes,
  parseStageFailure,
  STAGE_RANGES,
  StageFailedError,
} from '../src/index.ts';
import { ProgressReporter } from '../src/stages/progress.ts';

describe('ProgressReporter', () => {
  it('maps stage fractions onto 0–100 and never goes back', async () => {
    const seen: DocumentProgress[] = [];
    const reporter = new ProgressReporter('u1', async (meta) => {
      seen.push(meta);
    });
    await reporter.report('load', 0, 'a');
    await reporter.report('embed', 0.5, 'b');
    await reporter.report('extract', 1, 'late report of an earlier stage');
    await reporter.report('embed', Number.NaN, 'c');
    await reporter.report('done', 1, 'd');
    expect(seen.map((meta) => meta.progress)).toEqual([0, 60, 60, 60, 100]);
    expect(seen[1]).toEqual({ uploadId: 'u1', stage: 'embed', message: 'b', progress: 60 });
    expect(reporter.last).toBe(100);
  });

  it('stage ranges follow each other in pipeline order; only done reaches 100', () => {
    const { done, ...working } = STAGE_RANGES;
    const ranges = Object.values(working);
    expect(Object.keys(working)).toEqual(['load', 'extract', 'chunk', 'embed', 'store']);
    expect(ranges[0]?.[0]).toBe(0);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]?.[0]).toBe(ranges[i - 1]?.[1]);
    expect(ranges.at(-1)?.[1]).toBe(99);
    expect(done).toEqual([100, 100]);
  });
});

describe('stage failures survive the result backend', () => {
  it('the stage leads the message, and parseStageFailure reads it back', () => {
    const encrypted = new EncryptedPdfError('a.pdf');
    expect(encrypted).toMatchObject({ name: 'EncryptedPdfError', code: 'ENCRYPTED_PDF', stage: 'extract' });
    expect(parseStageFailure({ name: encrypted.name, message: encrypted.message })).toEqual({
      stage: 'extract',
      name: 'EncryptedPdfError',
      reason: `${encrypted.reason} What to do: ${encrypted.hint}`,
    });
    const wrapped = new StageFailedError('store', new RangeError('disk full'));
    expect(wrapped.message).toBe('[store] RangeError: disk full');
    expect(parseStageFailure({ name: 'Error', message: '[nonsense] x' })).toEqual({
      stage: undefined,
      name: 'Error',
      reason: '[nonsense] x',
    });
  });

  it('sizes read naturally', () => {
    expect(formatBytes(512)).toBe('512 bytes');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(50 * 1024 * 1024)).toBe('50 MiB');
    expect(new FileTooLargeError('x.pdf', 60 * 1024 * 1024, 50 * 1024 * 1024).message).toBe(
      '[load] "x.pdf" is 60 MiB, over the limit of 50 MiB. What to do: split the document into smaller files, or raise maxFileBytes in registerDocumentPipeline().',
    );
  });
});
