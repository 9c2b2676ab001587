import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hashFeatures } from '../src/embedder/hash-features.ts';

/** A failure the server answers with instead of the next request's normal reply. */
export interface PlannedFailure {
  status: number;
  headers?: Record<string, string>;
  message?: string;
}

export interface RecordedRequest {
  path: string;
  authorization: string | undefined;
  body: Record<string, unknown>;
}

/**
 * A small OpenAI-compatible HTTP server on 127.0.0.1 (a real socket, spoken to by the real openai
 * SDK): `POST /v1/embeddings` returns deterministic hashed vectors, `POST /v1/chat/completions`
 * answers by quoting the first passage it was given. Failures can be queued per path.
 */
export class OpenAICompatibleServer {
  readonly requests: RecordedRequest[] = [];
  readonly #failures = new Map<string, PlannedFailure[]>();
  readonly #server: Server;
  readonly dimensions: number;
  url = '';

  constructor(dimensions = 64) {
    this.dimensions = dimensions;
    this.#server = createServer((request, response) => {
      void this.#handle(request, response);
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/v1`;
    return this.url;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** The next request(s) to `path` (`/v1/embeddings`, `/v1/chat/completions`) fail like this. */
  failNext(path: string, ...failures: PlannedFailure[]): void {
    this.#failures.set(path, [...(this.#failures.get(path) ?? []), ...failures]);
  }

  countOf(path: string): number {
    return this.requests.filter((request) => request.path === path).length;
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      return this.#send(response, 400, { error: { message: 'invalid JSON', type: 'invalid_request_error' } });
    }
    this.requests.push({ path, authorization: request.headers.authorization, body });
    const failure = this.#failures.get(path)?.shift();
    if (failure !== undefined) {
      return this.#send(
        response,
        failure.status,
        { error: { message: failure.message ?? `planned ${failure.status}`, type: 'test_error' } },
        failure.headers,
      );
    }
    if (request.method === 'POST' && path === '/v1/embeddings') {
      const input = body.input;
      const texts = Array.isArray(input) ? (input as string[]) : [String(input)];
      return this.#send(response, 200, {
        object: 'list',
        model: body.model,
        data: texts.map((text, index) => ({
          object: 'embedding',
          index,
          embedding: hashFeatures(text, this.dimensions),
        })),
        usage: { prompt_tokens: texts.length, total_tokens: texts.length },
      });
    }
    if (request.method === 'POST' && path === '/v1/chat/completions') {
      const messages = body.messages as { role: string; content: string }[];
      const system = messages.find((message) => message.role === 'system')?.content ?? '';
      const first = /\[1\][^\n]*\n([\s\S]*?)(?:\n\n\[2\]|$)/.exec(system)?.[1] ?? 'no passages';
      return this.#send(response, 200, {
        id: 'chatcmpl-test',
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: body.model,
        choices: [
          { index: 0, finish_reason: 'stop', message: { role: 'assistant', content: `Model answer: ${first} [1]` } },
        ],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      });
    }
    return this.#send(response, 404, { error: { message: `no route ${path}`, type: 'not_found' } });
  }

  #send(response: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify(payload));
  }
}
