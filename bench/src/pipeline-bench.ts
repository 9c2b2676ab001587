import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Celeriac } from '@celeriac/core';
import {
  FileVectorStore,
  LocalDirectoryStorage,
  LocalHashEmbedder,
  type ProcessResult,
  registerDocumentPipeline,
} from '@celeriac/pipeline-documents';
import { pino } from 'pino';
import { report, round } from './report.ts';

/**
 * `npm run bench -- pipeline`: `BENCH_DOCUMENTS` (default 50) copies of the sample PDF through the
 * document pipeline on the memory broker, two workers of one slot each (one process: PDF parsing
 * runs on its event loop), offline embeddings. Reports documents/min and the time per stage.
 */
export async function benchPipeline(): Promise<void> {
  const count = Number(process.env.BENCH_DOCUMENTS ?? 50);
  const dir = await mkdtemp(join(tmpdir(), 'celeriac-bench-pipeline-'));
  const app = new Celeriac({ broker: `memory://bench-pipeline-${process.pid}`, logger: pino({ level: 'silent' }) });
  try {
    const storage = new LocalDirectoryStorage(join(dir, 'uploads'));
    const pipeline = registerDocumentPipeline(app, {
      storage,
      vectorStore: new FileVectorStore(join(dir, 'vectors.json')),
      embedder: new LocalHashEmbedder(),
    });
    const queues = ['document_processing', 'chat_processing', 'default'];
    await Promise.all([app.worker({ queues, concurrency: 1 }).start(), app.worker({ queues, concurrency: 1 }).start()]);
    const pdf = await readFile(
      fileURLToPath(import.meta.resolve('@celeriac/pipeline-documents/samples/travel-policy.pdf')),
    );
    const uploads = [];
    for (let i = 0; i < count; i++) uploads.push(await storage.save({ filename: `travel-policy-${i}.pdf`, data: pdf }));
    const started = performance.now();
    const results = await Promise.all(
      uploads.map(
        async (upload) => (await pipeline.start(upload.id)).result.get({ timeout: 600_000 }) as Promise<ProcessResult>,
      ),
    );
    const minutes = (performance.now() - started) / 60_000;
    const details = { documents: count, workers: 2 };
    report({
      system: 'celeriac-memory',
      scenario: 'pipeline',
      metric: 'documents_per_min',
      value: round(count / minutes, 1),
      unit: 'documents/min',
      ...details,
    });
    for (const stage of ['load', 'extract', 'chunk', 'embed', 'store'] as const) {
      const total = results.reduce((sum, result) => sum + result.timings[stage], 0);
      report({
        system: 'celeriac-memory',
        scenario: 'pipeline',
        metric: `${stage}_ms_per_document`,
        value: round(total / count, 1),
        unit: 'ms',
        ...details,
      });
    }
  } finally {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  }
}
