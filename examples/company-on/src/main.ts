import { createMonitor, type Monitor } from '@celeriac/monitor-http';
import { createCompanyOn } from './company-on.ts';
import { startBeat, startWorker } from './roles.ts';
import { createCompanyOnServer } from './server.ts';

/**
 * `npm start -w examples/company-on`: the Company-on service.
 * - `ROLE` unset or `all`: web service, worker and beat in this one process (memory broker by default).
 * - `ROLE=web|worker|beat`: one part only, meeting the others through `CELERIAC_BROKER_URL`
 *   (e.g. `redis://127.0.0.1:6379`) and the same `DATA_DIR`.
 * Environment: `PORT` (3000), `HOST` (127.0.0.1), `DATA_DIR` (a folder in the OS temp dir),
 * `CONCURRENCY` (2), `MONITOR_TOKEN` (bearer token of /monitor), `MAX_UPLOAD_BYTES` (50 MiB),
 * `OPENAI_API_KEY`/`OPENAI_BASE_URL` (else offline embeddings and extractive answers),
 * `VECTOR_STORE=postgres` with `DATABASE_URL` (for workers on several machines).
 */
const role = process.env.ROLE ?? 'all';
if (!['all', 'web', 'worker', 'beat'].includes(role)) {
  console.error(`ROLE must be all, web, worker or beat (got ${JSON.stringify(role)}).`);
  process.exit(2);
}
const brokerUrl = process.env.CELERIAC_BROKER_URL ?? 'memory://';
if (role !== 'all' && brokerUrl.startsWith('memory:')) {
  console.error(
    `ROLE=${role} runs one part of the service; the others must reach it through a shared broker. ` +
      'Set CELERIAC_BROKER_URL (e.g. redis://127.0.0.1:6379), or leave ROLE unset to run everything in one process.',
  );
  process.exit(2);
}

const service = createCompanyOn({ brokerUrl });
const { logger } = service;
const stops: (() => Promise<void>)[] = [];

if (role === 'all' || role === 'worker') {
  const worker = await startWorker(service, Number(process.env.CONCURRENCY ?? 2), role === 'worker');
  logger.info({ queues: worker.queues }, 'worker started');
}
if (role === 'all' || role === 'beat') {
  await startBeat(service);
  logger.info('beat started: cleanup.oldSessions daily');
}
if (role === 'all' || role === 'web') {
  const port = Number(process.env.PORT ?? 3000);
  const host = process.env.HOST ?? '127.0.0.1';
  const token = process.env.MONITOR_TOKEN;
  const loopback = host === '127.0.0.1' || host === 'localhost' || host === '::1';
  let monitor: Monitor | undefined;
  if (token !== undefined || loopback) {
    monitor = createMonitor(service.app, {
      basePath: '/monitor',
      queues: ['document_processing', 'chat_processing', 'default'],
      ...(token === undefined ? {} : { auth: { token } }),
    });
  } else {
    logger.warn('the monitor is not mounted: set MONITOR_TOKEN to serve /monitor on a non-loopback host');
  }
  const web = createCompanyOnServer(service, monitor === undefined ? {} : { monitor });
  await new Promise<void>((resolve, reject) => {
    web.server.once('error', reject);
    web.server.listen(port, host, () => resolve());
  });
  stops.push(() => web.close());
  if (monitor !== undefined) stops.push(() => (monitor as Monitor).close());
  logger.info({ url: `http://${host}:${port}/`, dataDir: service.dataDir, role }, 'Company-on is listening');
}

if (role !== 'worker') {
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) process.exit(1);
    stopping = true;
    for (const each of stops) await each();
    await service.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}
