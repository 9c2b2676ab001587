import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { TaskStartedEvent } from '@celeriac/core';
import { waitFor } from '@celeriac/core/testing';
import { afterEach, expect, it } from 'vitest';
import { type AppSettings, createApp } from './fixtures/tasks.ts';
import { amqpUrl, deleteByPrefix, describeAmqp, redisUrl, uniquePrefix } from './helpers.ts';

const fixtures = new URL('./fixtures/', import.meta.url);

/** Start the crash-worker fixture in a child process; resolves once it consumes. */
async function startChildWorker(settings: AppSettings, concurrency: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=@celeriac/source',
      '--import',
      fileURLToPath(new URL('register-ts.mjs', fixtures)),
      fileURLToPath(new URL('crash-worker.ts', fixtures)),
    ],
    {
      env: { ...process.env, E2E_SETTINGS: JSON.stringify(settings), E2E_CONCURRENCY: String(concurrency) },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`the child worker exited with ${String(code)} before it was ready: ${output}`);
  });
  await Promise.race([waitFor(() => output.includes('ready'), { timeout: 20_000 }), exited]);
  return child;
}

describeAmqp(
  'a worker killed mid-task (SIGKILL, acksLate)',
  () => {
    let cleanup: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const step of cleanup.reverse()) await step().catch(() => undefined);
      cleanup = [];
    });

    it('loses nothing: its running and prefetched tasks are redelivered to another worker, which completes them all', async () => {
      const settings: AppSettings = {
        amqpUrl: amqpUrl(),
        redisUrl: redisUrl(),
        queuePrefix: uniquePrefix(),
        redisPrefix: `celeriac-test-${randomBytes(5).toString('hex')}:`,
      };
      const producer = createApp(settings);
      cleanup.push(() => deleteByPrefix(settings.queuePrefix), producer.close);
      const started: TaskStartedEvent[] = [];
      producer.app.events.on('task-started', (event) => started.push(event));
      await producer.app.events.ready();

      const child = await startChildWorker(settings, 4);
      cleanup.push(async () => {
        if (child.exitCode === null) child.kill('SIGKILL');
      });
      const results = await Promise.all(Array.from({ length: 20 }, (_, n) => producer.slow.delay(n, 400)));

      // Kill it while it runs tasks it has not acknowledged (acksLate is the default).
      await waitFor(() => started.length >= 4, { timeout: 10_000, message: () => `${started.length} tasks started` });
      const killedMidTask = new Set(started.map((event) => event.taskId));
      child.kill('SIGKILL');
      await once(child, 'exit');

      const rescuer = producer.app.worker({ concurrency: 4, hostname: 'rescuer' });
      await rescuer.start();
      const values = await Promise.all(results.map((result) => result.get({ timeout: 20_000 })));
      expect(values).toEqual(Array.from({ length: 20 }, (_, n) => n));
      // The tasks the child was running when it died ran again, to completion, on the rescuer.
      for (const id of killedMidTask) {
        expect(await producer.app.result(id).state()).toBe('SUCCESS');
        expect(started.some((event) => event.taskId === id && event.hostname === 'rescuer')).toBe(true);
      }
      await rescuer.close();
    });
  },
  { redis: true },
);
