import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import { HttpError } from './http-util.ts';

/** The one file of a multipart upload, as a stream (never buffered whole in memory). */
export interface IncomingFile {
  filename: string;
  mimeType: string;
  stream: Readable;
}

/**
 * Parse a `multipart/form-data` request with busboy and hand the file of field `field` to `save`
 * while it streams in (so the storage can count bytes and refuse an oversized file early). Other
 * fields and files are drained and ignored. Resolves to what `save` returned.
 */
export function receiveFile<T>(
  req: IncomingMessage,
  field: string,
  maxBytes: number,
  save: (file: IncomingFile) => Promise<T>,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      // One byte over the limit so the storage sees the overflow and reports FileTooLargeError.
      parser = busboy({ headers: req.headers, limits: { files: 1, fileSize: maxBytes + 1, fields: 20 } });
    } catch {
      reject(new HttpError(415, 'Send the file as multipart/form-data, in a field named "file".'));
      return;
    }
    let saving: Promise<T> | undefined;
    parser.on('file', (name, stream, info) => {
      if (name !== field || saving !== undefined) {
        stream.resume();
        return;
      }
      saving = save({ filename: info.filename || 'upload', mimeType: info.mimeType, stream });
      // A failed save (e.g. over the size cap) destroyed the file stream, which stalls busboy:
      // answer at once, and drain the rest of the request so the response can be read.
      saving.catch((error: unknown) => {
        req.unpipe(parser);
        req.resume();
        reject(error);
      });
    });
    parser.on('error', (error) => reject(new HttpError(400, `Malformed multipart body: ${(error as Error).message}`)));
    parser.on('close', () => {
      if (saving === undefined) reject(new HttpError(400, `No file in the form field "${field}".`));
      else saving.then(resolve, reject);
    });
    req.pipe(parser);
  });
}
