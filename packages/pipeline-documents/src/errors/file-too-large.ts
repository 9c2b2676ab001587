import { DocumentPipelineError } from './pipeline-error.ts';

/** The upload is bigger than the pipeline's `maxFileBytes`. */
export class FileTooLargeError extends DocumentPipelineError {
  readonly size: number;
  readonly maxBytes: number;

  constructor(filename: string, size: number, maxBytes: number) {
    super(
      'FILE_TOO_LARGE',
      'load',
      `"${filename}" is ${formatBytes(size)}, over the limit of ${formatBytes(maxBytes)}.`,
      {
        hint: 'split the document into smaller files, or raise maxFileBytes in registerDocumentPipeline().',
      },
    );
    this.size = size;
    this.maxBytes = maxBytes;
  }
}

/** `1536` → `"1.5 KiB"`. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1).replace(/\.0$/, '')} ${units[unit]}`;
}
