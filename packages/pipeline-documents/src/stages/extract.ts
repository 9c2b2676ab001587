import { EmptyDocumentError } from '../errors/empty-document.ts';
import type { ExtractedDocument, Extractor } from '../extraction/extractor.ts';
import type { LoadedUpload } from './load.ts';
import { runStage, type StageContext } from './stage-context.ts';

/** Stage 2: the upload's text, with progress per PDF page; a document without text fails here. */
export function extractStage(
  extractor: Extractor,
  upload: LoadedUpload,
  context: StageContext,
): Promise<ExtractedDocument> {
  const { filename, mimeType } = upload.meta;
  return runStage('extract', context, async () => {
    await context.progress.report('extract', 0, `Extracting text from ${filename}`);
    const document = await extractor.extract(
      { bytes: upload.bytes, filename, mimeType },
      {
        signal: context.signal,
        onProgress: (done, total) =>
          context.progress.report('extract', done / total, `Extracted page ${done} of ${total}`),
      },
    );
    if (document.text.trim() === '') {
      const detail =
        document.pages === undefined
          ? 'contains no text'
          : `has ${document.pages} page${document.pages === 1 ? '' : 's'} but no extractable text (scanned images?)`;
      throw new EmptyDocumentError(filename, detail);
    }
    const pages = document.pages === undefined ? '' : ` from ${document.pages} pages`;
    await context.progress.report('extract', 1, `Extracted ${document.text.length} characters${pages}`);
    return document;
  });
}
