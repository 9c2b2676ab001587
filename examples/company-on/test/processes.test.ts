import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Topology } from '@celeriac/broker-amqp';
import amqplib from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKER_QUEUES } from '../src/company-on.ts';
import { expectCorruptPdfFlow, expectPdfFlow } from './flows.ts';

/**
 * The same end-to-end flows with the service split into processes that meet through a broker:
 * Redis (`REDIS_URL`, else redis://127.0.0.1:6379, under a key prefix of their own), and RabbitMQ
 * (`AMQP_URL`, else amqp://guest:guest@127.0.0.1:5672, under a queue prefix of their own) with
 * results in Redis. The worker and beat run by the Celeriac CLI exactly as the example's
 * `npm run worker` and `npm run beat` scripts say (`celeriac worker -A ./dist/app.js …`), the web
 * service as `node dist/main.js` with `CELERIAC_EMBEDDED=0`. Skipped, loudly, when a server does not
 * answer, except under CI=true, where that fails.
 */
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const amqpUrl = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const exampleDir = fileURLToPath(new URL('..', import.meta.url));
const main = join(exampleDir, 'dist', 'main.js');
const appModule = join(exampleDir, 'dist', 'app.js');

/** The bin of @celeriac/core, the `celeriac` of the npm scripts. */
function celeriacBin(): string {
  const manifest = createRequire(import.meta.url).resolve('@celeriac/core/package.json');
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin: { celeriac: string } };
  return join(dirname(manifest), bin.celeriac);
}

/** The arguments of an npm script of the example that runs the `celeriac` CLI. */
function cliScript(name: 'worker' | 'beat'): string[] {
  const { scripts } = JSON.parse(readFileSync(join(exampleDir, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const [command, ...args] = (scripts[name] ?? '').split(/\s+/);
  if (command !== 'celeriac') throw new Error(`npm run ${name} should run the celeriac CLI, not: ${scripts[name]}`);
  return args;
}

/** True when a server at `url` answers `greeting` with a reply that `accepts`. */
function answers(url: string, defaultPort: number, greeting: Buffer, accepts: (reply: Buffer) => boolean) {
  const { hostname, port } = new URL(url);
  return new Promise<boolean>((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (data) => done(accepts(data)));
    socket.connect(Number(port || defaultPort), hostname || '127.0.0.1', () => socket.write(greeting));
  });
}

const redisAnswers = (): Promise<boolean> =>
  answers(redisUrl, 6379, Buffer.from('PING\r\n'), (reply) => /^(\+PONG|-NOAUTH)/.test(reply.toString()));
// AMQP 0-9-1's protocol header; a broker answers with connection.start (a method frame, type 1).
const amqpAnswers = (): Promise<boolean> =>
  answers(amqpUrl, 5672, Buffer.from('AMQP\x00\x00\x09\x01', 'latin1'), (reply) => reply[0] === 1);

/** Delete every queue and exchange the processes declared under `queuePrefix`. */
async function deleteAmqpTopology(queuePrefix: string): Promise<void> {
  const topology = new Topology(queuePrefix);
  const connection = await amqplib.connect(amqpUrl);
  try {
    const channel = await connection.createChannel();
    for (const queue of WORKER_QUEUES.flatMap((name) => topology.queuesOf(name))) await channel.deleteQueue(queue);
    for (const exchange of topology.exchanges) await channel.deleteExchange(exchange);
  } finally {
    await connection.close();
  }
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

interface Started {
  child: ChildProcess;
  /** Resolves with the first stdout line matching, rejects if the process exits first or after 20 s. */
  line(pattern: RegExp): Promise<string>;
}

const redisAvailable = await redisAnswers();
const amqpAvailable = await amqpAnswers();
for (const [ok, name, url] of [
  [redisAvailable, 'Redis', redisUrl],
  [amqpAvailable, 'RabbitMQ', amqpUrl.replace(/\/\/[^@]*@/, '//')],
] as const) {
  if (!ok && process.env.CI === 'true') {
    throw new Error(
      `No ${name} answers at ${url} and CI=true: start ${name} or set ${name === 'Redis' ? 'REDIS_URL' : 'AMQP_URL'}.`,
    );
  }
  if (!ok) console.warn(`\n⚠ company-on: skipping the ${name} process tests: no ${name} at ${url}.\n`);
}

const run = randomBytes(6).toString('hex');
/** One way to run the processes: the broker they meet through, and what to clean up after. */
interface Setup {
  broker: string;
  adapter: string;
  available: boolean;
  env: Record<string, string>;
  cleanup: () => Promise<void>;
}

const setups: Setup[] = [
  {
    broker: 'Redis',
    adapter: 'RedisBroker',
    available: redisAvailable,
    env: { CELERIAC_BROKER_URL: redisUrl, CELERIAC_REDIS_PREFIX: `company-on-test:${run}:` },
    cleanup: async () => undefined,
  },
  {
    broker: 'RabbitMQ (results in Redis)',
    adapter: 'AmqpBroker',
    available: redisAvailable && amqpAvailable,
    env: {
      CELERIAC_BROKER_URL: amqpUrl,
      CELERIAC_RESULT_BACKEND: redisUrl,
      CELERIAC_REDIS_PREFIX: `company-on-test:${run}:`,
      CELERIAC_AMQP_QUEUE_PREFIX: `company-on-test-${run}.`,
    },
    cleanup: () => deleteAmqpTopology(`company-on-test-${run}.`),
  },
];

for (const setup of setups) {
  describe.skipIf(!setup.available)(
    `Company-on as a web process plus \`celeriac worker\` and \`celeriac beat\` on ${setup.broker}`,
    () => {
      const children: ChildProcess[] = [];
      let dataDir = '';
      let url = '';
      let worker: Started;
      let beat: Started;

      function start(args: string[], env: Record<string, string>): Started {
        const child = spawn(process.execPath, args, {
          cwd: exampleDir,
          env: { ...offline(process.env), ...env, LOG_LEVEL: 'error' },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        children.push(child);
        let output = '';
        const waiting = new Set<() => void>();
        child.stdout?.setEncoding('utf8');
        child.stdout?.on('data', (text: string) => {
          output += text;
          for (const check of waiting) check();
        });
        return {
          child,
          line(pattern) {
            return new Promise((resolve, reject) => {
              const timer = setTimeout(
                () => fail(new Error(`no line matching ${pattern} within 20 s:\n${output}`)),
                20_000,
              );
              const onExit = (code: number | null) => fail(new Error(`exited (${code}) before ${pattern}:\n${output}`));
              const fail = (error: Error) => {
                finish();
                reject(error);
              };
              const check = () => {
                const found = output.split('\n').find((line) => pattern.test(line));
                if (found === undefined) return;
                finish();
                resolve(found);
              };
              const finish = () => {
                clearTimeout(timer);
                waiting.delete(check);
                child.off('exit', onExit);
              };
              waiting.add(check);
              child.once('exit', onExit);
              check();
            });
          },
        };
      }

      beforeAll(async () => {
        for (const built of [main, appModule]) {
          expect(existsSync(built), `${built} is missing: run \`npm run build\` first`).toBe(true);
        }
        dataDir = await mkdtemp(join(tmpdir(), 'company-on-processes-'));
        const port = await freePort();
        const env = { ...setup.env, DATA_DIR: dataDir };
        const bin = celeriacBin();
        worker = start([bin, ...cliScript('worker')], env);
        beat = start([bin, ...cliScript('beat')], env);
        start([main], { ...env, CELERIAC_EMBEDDED: '0', PORT: String(port), HOST: '127.0.0.1' });
        url = `http://127.0.0.1:${port}`;
        await Promise.all([worker.line(/ ready\.$/), beat.line(/^beat .* started/)]);
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
      }, 60_000);

      afterAll(async () => {
        await Promise.all(
          children.map(
            (child) =>
              new Promise<void>((resolve) => {
                if (child.exitCode !== null || child.signalCode !== null) return resolve();
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
        await setup.cleanup();
      }, 30_000);

      it("starts the CLI's worker on the pipeline's queues, and beat with the app module's schedule", async () => {
        expect(await worker.line(/^\s+\.> app:/)).toContain('./dist/app.js (export app)');
        expect(await worker.line(/^\s+\.> transport:/)).toContain(setup.adapter);
        expect(await worker.line(/^\s+\.> results:/)).toContain('RedisBackend');
        for (const queue of ['document_processing', 'chat_processing', 'default']) {
          await worker.line(new RegExp(`^\\s+\\. ${queue}$`));
        }
        expect(await beat.line(/cleanup-old-sessions/)).toContain('cleanup.oldSessions');
        expect(await beat.line(/^beat .* started/)).toContain('(leading)');
      });

      it("runs no worker in the web process: the cluster's only worker is the CLI's", async () => {
        const response = await fetch(`${url}/monitor/api/workers`);
        expect(response.status).toBe(200);
        const { workers } = (await response.json()) as { workers: { status: string; pid: number }[] };
        expect(workers.filter((w) => w.status === 'online').map((w) => w.pid)).toEqual([worker.child.pid]);
      });

      it('uploads the sample PDF, streams its progress to SUCCESS, and cites it in a chat answer', async () => {
        await expectPdfFlow(url);
      });

      it('ends a corrupt PDF in a FAILURE event that gives the stage and the reason', async () => {
        await expectCorruptPdfFlow(url);
      });
    },
  );
}
