import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCorruptPdfFlow, expectPdfFlow } from './flows.ts';

/**
 * The same end-to-end flows with the service split into processes (`ROLE=web`, `ROLE=worker`,
 * `ROLE=beat` of the built `dist/main.js`) that meet through Redis: `REDIS_URL`, else
 * redis://127.0.0.1:6379, under a key prefix of their own. Skipped, loudly, when no Redis answers,
 * except under CI=true, where that fails.
 */
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));

function redisAnswers(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG') || data.toString().startsWith('-NOAUTH')));
    socket.connect(Number(port || 6379), hostname || '127.0.0.1', () => socket.write('PING\r\n'));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** The environment without model settings, so the processes embed offline, as the memory test does. */
function offline(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith('OPENAI_')));
}

const available = await redisAnswers(redisUrl);
if (!available && process.env.CI === 'true') {
  throw new Error(`No Redis answers at ${redisUrl} and CI=true: start Redis or set REDIS_URL.`);
}
if (!available) console.warn(`\n⚠ company-on: skipping the Redis process tests: no Redis at ${redisUrl}.\n`);

describe.skipIf(!available)('Company-on as separate web, worker and beat processes on Redis', () => {
  const children: ChildProcess[] = [];
  let dataDir = '';
  let url = '';

  function startRole(role: string, env: Record<string, string>): ChildProcess {
    const child = spawn(process.execPath, [main], {
      env: { ...offline(process.env), ...env, ROLE: role, LOG_LEVEL: 'error' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    children.push(child);
    return child;
  }

  beforeAll(async () => {
    expect(existsSync(main), `${main} is missing: run \`npm run build\` first`).toBe(true);
    dataDir = await mkdtemp(join(tmpdir(), 'company-on-redis-'));
    const port = await freePort();
    const env = {
      CELERIAC_BROKER_URL: redisUrl,
      CELERIAC_REDIS_PREFIX: `company-on-test:${randomBytes(6).toString('hex')}:`,
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
    };
    startRole('worker', env);
    startRole('beat', env);
    startRole('web', env);
    url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 20_000;
    for (;;) {
      const ok = await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) throw new Error('the web process did not start within 20 s');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }, 30_000);

  afterAll(async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
  }, 30_000);

  it('uploads the sample PDF, streams its progress to SUCCESS, and cites it in a chat answer', async () => {
    await expectPdfFlow(url);
  });

  it('ends a corrupt PDF in a FAILURE event that gives the stage and the reason', async () => {
    await expectCorruptPdfFlow(url);
  });
});
