import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMonitor, type MonitorOptions } from '@celeriac/monitor-http';
import { LocalHashEmbedder } from '@celeriac/pipeline-documents';
import { pino } from 'pino';
import { createCompanyOn } from '../src/company-on.ts';
import { type CompanyOnServer, createCompanyOnServer } from '../src/server.ts';
import type { UploadEvent } from '../src/upload-events.ts';
import { startWorker } from '../src/worker-and-beat.ts';

export interface Running {
  url: string;
  dataDir: string;
  web: CompanyOnServer;
  close(): Promise<void>;
}

/** The whole service on a fresh memory broker, a temporary data dir and a random port. */
export async function startService(
  name: string,
  options: { batchDelayMs?: number; maxUploadBytes?: number; monitor?: MonitorOptions | false } = {},
): Promise<Running> {
  const dataDir = await mkdtemp(join(tmpdir(), 'company-on-test-'));
  const service = createCompanyOn({
    dataDir,
    brokerUrl: `memory://${name}`,
    embedder: new LocalHashEmbedder({ batchSize: 2, batchDelayMs: options.batchDelayMs ?? 20 }),
    logger: pino({ level: 'silent' }),
    ...(options.maxUploadBytes === undefined ? {} : { maxUploadBytes: options.maxUploadBytes }),
  });
  await startWorker(service, 2);
  // Mounted as main.ts mounts it on a loopback host.
  const monitor = options.monitor === false ? undefined : createMonitor(service.app, options.monitor ?? {});
  const web = await createCompanyOnServer(service, monitor === undefined ? {} : { monitor });
  await web.fastify.listen({ port: 0, host: '127.0.0.1' });
  const { port } = web.fastify.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    dataDir,
    web,
    async close() {
      await web.close();
      await monitor?.close();
      await service.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function sample(file: string): Promise<Uint8Array> {
  return readFile(fileURLToPath(import.meta.resolve(`@celeriac/pipeline-documents/samples/${file}`)));
}

export async function upload(url: string, filename: string, bytes: Uint8Array): Promise<Response> {
  const form = new FormData();
  form.append('file', new Blob([bytes]), filename);
  return fetch(`${url}/uploads`, { method: 'POST', body: form });
}

export interface SseMessage {
  id: string | undefined;
  data: UploadEvent;
}

/** Read an SSE stream to its end (the server closes it after SUCCESS or FAILURE). */
export async function readSse(url: string, headers: Record<string, string> = {}): Promise<SseMessage[]> {
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers } });
  if (!response.ok || response.body === null) throw new Error(`SSE ${url}: ${response.status}`);
  expectHeader(response, 'text/event-stream');
  const text = await response.text();
  const messages: SseMessage[] = [];
  for (const block of text.split('\n\n')) {
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('id: ')) id = line.slice(4);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length > 0) messages.push({ id, data: JSON.parse(data.join('\n')) as UploadEvent });
  }
  return messages;
}

function expectHeader(response: Response, type: string): void {
  const got = response.headers.get('content-type') ?? '';
  if (!got.startsWith(type)) throw new Error(`expected ${type}, got ${got}`);
}
