import { createMonitor, type Monitor } from '@celeriac/monitor-http';
import { service } from './app.ts';
import { createCompanyOnServer } from './server.ts';
import { startBeat, startWorker } from './worker-and-beat.ts';

/**
 * `npm start -w examples/company-on`: the Company-on web service.
 * - By default a worker and beat run inside this process too (memory broker unless
 *   `CELERIAC_BROKER_URL` says otherwise).
 * - `CELERIAC_EMBEDDED=0`: this process serves HTTP only; the worker and beat run as processes of
 *   their own with the Celeriac CLI (`npm run worker`, `npm run beat`), meeting this one through
 *   `CELERIAC_BROKER_URL` (e.g. `redis://127.0.0.1:6379`) and the same `DATA_DIR`.
 * Environment: `PORT` (3000), `HOST` (127.0.0.1), `DATA_DIR` (a folder in the OS temp dir),
 * `CONCURRENCY` (2, the embedded worker), `MONITOR_TOKEN` (bearer token of /monitor),
 * `MAX_UPLOAD_BYTES` (50 MiB), `OPENAI_API_KEY`/`OPENAI_BASE_URL` (else offline embeddings and
 * extractive answers), `VECTOR_STORE=postgres` with `DATABASE_URL` (for workers on several machines).
 */
const embeddedSetting = process.env.CELERIAC_EMBEDDED ?? '1';
if (!['0', '1', 'false', 'true'].includes(embeddedSetting)) {
  console.error(`CELERIAC_EMBEDDED must be 1 or 0 (got ${JSON.stringify(embeddedSetting)}).`);
  process.exit(2);
}
const embedded = embeddedSetting === '1' || embeddedSetting === 'true';
const brokerUrl = process.env.CELERIAC_BROKER_URL ?? 'memory://';
if (!embedded && brokerUrl.startsWith('memory:')) {
  console.error(
    'CELERIAC_EMBEDDED=0 runs the web service alone; its worker and beat (npm run worker, npm run beat) ' +
      'must reach it through a shared broker. Set CELERIAC_BROKER_URL (e.g. redis://127.0.0.1:6379), ' +
      'or leave CELERIAC_EMBEDDED unset to run everything in one process.',
  );
  process.exit(2);
}

const { logger } = service;
if (embedded) {
  const worker = await startWorker(service, Number(process.env.CONCURRENCY ?? 2));
  logger.info({ queues: worker.queues }, 'worker started');
  await startBeat(service);
  logger.info('beat started: cleanup.oldSessions daily');
}

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
const token = process.env.MONITOR_TOKEN;
const loopback = host === '127.0.0.1' || host === 'localhost' || host === '::1';
let monitor: Monitor | undefined;
if (token !== undefined || loopback) {
  monitor = createMonitor(service.app, {
    queues: ['document_processing', 'chat_processing', 'default'],
    ...(token === undefined ? {} : { auth: { token } }),
  });
} else {
  logger.warn('the monitor is not mounted: set MONITOR_TOKEN to serve /monitor on a non-loopback host');
}
const web = await createCompanyOnServer(service, monitor === undefined ? {} : { monitor });
await web.fastify.listen({ port, host });
logger.info({ url: `http://${host}:${port}/`, dataDir: service.dataDir, embedded }, 'Company-on is listening');

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) process.exit(1);
  stopping = true;
  await web.close();
  await monitor?.close();
  await service.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
