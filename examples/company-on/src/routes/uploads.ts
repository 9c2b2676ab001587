import type { FastifyInstance } from 'fastify';
import type { CompanyOn } from '../company-on.ts';
import { HttpError, safeId } from '../http-errors.ts';
import type { UploadEventLog } from '../upload-events.ts';

/**
 * `POST /uploads` (multipart, field `file`) → 201 `{ upload_id, filename, size }`, and
 * `POST /start/:uploadId` → 202 `{ message, upload_id, task_id }`.
 * Needs `@fastify/multipart` registered with a `fileSize` limit above `service.maxUploadBytes`.
 */
export function uploadRoutes(fastify: FastifyInstance, service: CompanyOn, events: UploadEventLog): void {
  const { storage, pipeline } = service;

  fastify.post('/uploads', async (request, reply) => {
    if (!request.isMultipart()) {
      throw new HttpError(415, 'Send the file as multipart/form-data, in a field named "file".');
    }
    let part: Awaited<ReturnType<typeof request.file>>;
    try {
      part = await request.file();
    } catch (error) {
      // The plugin's limit errors carry their status (413); the parser's own do not.
      if (typeof (error as { statusCode?: unknown }).statusCode === 'number') throw error;
      throw new HttpError(400, `Malformed multipart body: ${(error as Error).message}`);
    }
    if (part === undefined || part.fieldname !== 'file') {
      part?.file.resume();
      throw new HttpError(400, 'No file in the form field "file".');
    }
    // The file streams into the storage, which counts its bytes and refuses an oversized one early
    // (FileTooLargeError: 413); Node discards the rest of the request once the answer is sent.
    const meta = await storage.save({ filename: part.filename || 'upload', mimeType: part.mimetype, data: part.file });
    return reply.code(201).send({ upload_id: meta.id, filename: meta.filename, size: meta.size });
  });

  fastify.post<{ Params: { uploadId: string } }>('/start/:uploadId', async (request, reply) => {
    const uploadId = safeId('upload', request.params.uploadId);
    if ((await storage.meta(uploadId)) === undefined) throw new HttpError(404, `No upload ${uploadId}.`);
    const { result } = await pipeline.start(uploadId);
    events.track(uploadId, result.id);
    return reply.code(202).send({ message: 'Processing started', upload_id: uploadId, task_id: result.id });
  });
}
