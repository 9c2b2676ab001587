import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalHashEmbedder, parseStageFailure } from '@celeriac/pipeline-documents';
import { pino } from 'pino';
import { createCompanyOn } from './company-on.ts';
import { DocumentBars } from './document-bars.ts';
import { startWorker } from './worker-and-beat.ts';

/**
 * `npm run demo`: the Company-on pipeline on the in-process memory broker. The shipped samples
 * (a PDF, a DOCX and a Markdown file) are processed by a worker with 2 slots while a progress bar
 * per document follows the `task-progress` events; then one question is answered with its sources.
 */
const SAMPLES = ['travel-policy.pdf', 'remote-work.docx', 'employee-handbook.md'];
const QUESTION = process.env.DEMO_QUESTION ?? 'What is the daily meal allowance for domestic travel?';

const dataDir = await mkdtemp(join(tmpdir(), 'company-on-demo-'));
const service = createCompanyOn({
  dataDir,
  brokerUrl: 'memory://company-on-demo',
  // Offline embeddings; the delay per batch stands in for a remote model so the bars visibly move.
  embedder: new LocalHashEmbedder({ batchSize: 4, batchDelayMs: Number(process.env.DEMO_BATCH_DELAY_MS ?? 400) }),
  logger: pino({ level: 'error' }),
});
const { app, storage, pipeline } = service;
let exitCode = 0;
try {
  await startWorker(service, 2);
  console.log('Company-on demo: documents processed by a Celeriac worker (2 slots) on the in-process memory broker.\n');

  const bars = new DocumentBars(SAMPLES);
  const nameOfTask = new Map<string, string>();
  app.events.on('task-progress', (event) => {
    const name = nameOfTask.get(event.taskId);
    const meta = event.meta as { stage?: string; message?: string; progress?: number } | null;
    if (name !== undefined && meta !== null) bars.update(name, meta.progress ?? 0, `${meta.stage}: ${meta.message}`);
  });
  await app.events.ready();

  const t0 = performance.now();
  const runs = [];
  for (const sample of SAMPLES) {
    const path = fileURLToPath(import.meta.resolve(`@celeriac/pipeline-documents/samples/${sample}`));
    const upload = await storage.save({ filename: basename(path), data: await readFile(path) });
    const { result } = await pipeline.start(upload.id);
    nameOfTask.set(result.id, sample);
    runs.push(
      result.get({ timeout: 60_000 }).then(
        (done) => {
          bars.update(sample, 100, `done: ${done.chunks} chunks${done.pages ? ` from ${done.pages} pages` : ''}`, true);
          return true;
        },
        (error: { remote?: { name: string; message: string }; message: string }) => {
          const failure = parseStageFailure(error.remote ?? { name: 'Error', message: error.message });
          bars.update(sample, 0, `FAILED (${failure.stage ?? '?'}): ${failure.reason}`, true);
          return false;
        },
      ),
    );
  }
  const ok = await Promise.all(runs);
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(`\n${ok.filter(Boolean).length} of ${SAMPLES.length} documents processed in ${seconds} s.\n`);
  if (!ok.every(Boolean)) exitCode = 1;

  const asked = await pipeline.tasks.answer.delay('demo-session', QUESTION);
  const reply = await asked.get({ timeout: 30_000 });
  console.log(`Q: ${QUESTION}\nA: ${reply.answer}\n\nSources:`);
  reply.sources.forEach((source, i) => {
    const text = source.text.replace(/\s+/g, ' ').slice(0, 110);
    console.log(
      `  [${i + 1}] ${source.filename} · chunk ${source.chunk_index} · score ${source.score.toFixed(3)}  "${text}…"`,
    );
  });
  console.log(`
Run the service (web page, upload API, SSE progress, chat, monitor at /monitor):
  PORT=3000 npm start -w examples/company-on      then open http://127.0.0.1:3000/
Or as separate processes on Redis (worker and beat run by the celeriac CLI: celeriac worker -A ./dist/app.js …):
  CELERIAC_BROKER_URL=redis://127.0.0.1:6379 npm run worker -w examples/company-on
  CELERIAC_BROKER_URL=redis://127.0.0.1:6379 npm run beat -w examples/company-on
  CELERIAC_BROKER_URL=redis://127.0.0.1:6379 CELERIAC_EMBEDDED=0 PORT=3000 npm start -w examples/company-on
`);
} catch (error) {
  console.error('The demo failed:', error);
  exitCode = 1;
} finally {
  await service.close();
  await rm(dataDir, { recursive: true, force: true });
}
process.exitCode = exitCode;
