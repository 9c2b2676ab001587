import type { IncomingMessage, ServerResponse } from 'node:http';

/** An error with the HTTP status it answers with. */
export class HttpError extends Error {
  override name = 'HttpError';
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

/** Read a JSON request body of at most `limit` bytes. */
export async function readJson(req: IncomingMessage, limit = 64 * 1024): Promise<unknown> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of req as AsyncIterable<Buffer>) {
    size += part.byteLength;
    if (size > limit) throw new HttpError(413, `The request body is over ${limit} bytes.`);
    parts.push(part);
  }
  const text = Buffer.concat(parts).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'The request body is not valid JSON.');
  }
}

const SAFE_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** Check an upload, session or task id taken from a URL. */
export function safeId(kind: string, value: string): string {
  if (!SAFE_ID.test(value)) throw new HttpError(400, `Invalid ${kind} id: use 1–128 of A–Z, a–z, 0–9, "_" and "-".`);
  return value;
}
