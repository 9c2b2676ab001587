import { readFile, stat } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import * as api from '../src/index.ts';

describe('@celeriac/pipeline-documents exports', () => {
  it('exports its API by name only, with no default export', () => {
    expect(Object.keys(api).sort()).toEqual([
      'AttemptSupersededError',
      'CorruptDocxError',
      'CorruptPdfError',
      'DEFAULT_DATABASE_URL',
      'DEFAULT_MAX_FILE_BYTES',
      'DEFAULT_SESSION_MAX_AGE_SECONDS',
      'DOCUMENT_TASKS',
      'DocumentExtractor',
      'DocumentPipelineError',
      'EmptyDocumentError',
      'EncryptedPdfError',
      'FileSessionStore',
      'FileTooLargeError',
      'FileVectorStore',
      'InvalidIdError',
      'LocalDirectoryStorage',
      'LocalHashEmbedder',
      'ModelRequestError',
      'OpenAIChatModel',
      'OpenAIEmbedder',
      'PostgresVectorStore',
      'RetryableModelError',
      'STAGE_RANGES',
      'StageFailedError',
      'TextChunker',
      'UnsupportedFileTypeError',
      'UploadNotFoundError',
      'VectorFileError',
      'approximateTokens',
      'cosineSimilarity',
      'createChatModelFromEnv',
      'createEmbedderFromEnv',
      'createLocalDirectoryStorage',
      'detectFileType',
      'extractiveAnswer',
      'formatBytes',
      'joinPdfLines',
      'parseStageFailure',
      'registerDocumentPipeline',
    ]);
    expect(api.DOCUMENT_TASKS).toEqual({
      process: 'documents.process',
      retry: 'documents.retry',
      answer: 'chat.answer',
      cleanup: 'cleanup.oldSessions',
    });
  });

  it('has an exports map with the source condition first, ships its samples, and pins its runtime dependencies', async () => {
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
    expect(pkg.exports['.']).toEqual({
      '@celeriac/source': './src/index.ts',
      types: './dist/index.d.ts',
      default: './dist/index.js',
    });
    expect(Object.keys(pkg.exports['.'])[0]).toBe('@celeriac/source');
    expect(Object.keys(pkg.exports)).toEqual(['.', './samples/*', './package.json']);
    // Other packages (the example service, the bench) find the samples through the exports map.
    const pdf = import.meta.resolve('@celeriac/pipeline-documents/samples/travel-policy.pdf');
    expect((await stat(new URL(pdf))).size).toBeGreaterThan(1_000);
    expect(pkg.files).toEqual(['dist', 'src', 'samples']);
    expect(pkg.dependencies).toEqual({
      '@celeriac/core': '0.1.0',
      mammoth: '1.13.0',
      openai: '6.49.0',
      'pdf-parse': '2.4.5',
      pg: '8.23.1',
    });
  });

  it('ships small samples (each under 200 KB)', async () => {
    for (const name of [
      'travel-policy.pdf',
      'remote-work.docx',
      'encrypted.pdf',
      'corrupt.pdf',
      'employee-handbook.md',
    ]) {
      const { size } = await stat(new URL(`../samples/${name}`, import.meta.url));
      expect(size, name).toBeGreaterThan(1_000);
      expect(size, name).toBeLessThan(200_000);
    }
  });
});
