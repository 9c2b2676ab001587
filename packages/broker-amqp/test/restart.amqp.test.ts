import { setTimeout as sleep } from 'node:timers/promises';
import { Celeriac } from '@celeriac/core';
import { waitFor } from '@celeriac/core/testing';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { AmqpBroker } from '../src/index.ts';
import { amqpUrl, deleteByPrefix, describeAmqp, isLocalRabbit, rabbitmqctl, uniquePrefix } from './helpers.ts';

/** What one run saw: when each task first started, and the eta it was sent with. */
interface Run {
  app: Celeriac;
  broker: AmqpBroker;
  started: Map<number, number>;
  etas: Map<number, number>;
  errors: Error[];
  send(from: number, to: number, delayed?: (n: number) => number | undefined): Promise<void>;
}

describeAmqp('RabbitMQ going away mid-run', () => {
  // These drive the local server with rabbitmqctl: they stop it for every client on this machine.
  describe.skipIf(!isLocalRabbit())('(local server, rabbitmqctl)', () => {
    let cleanup: (() => Promise<void>)[] = [];
    afterEach(async () => {
      // Whatever happened, leave RabbitMQ running for the next test.
      await rabbitmqctl('start_app').catch(() => undefined);
      await rabbitmqctl('await_startup');
      for (const step of cleanup.reverse()) await step().catch(() => undefined);
      cleanup = [];
    }, 120_000);

    function startRun(): Run {
      const queuePrefix = uniquePrefix();
      const errors: Error[] = [];
      const broker = new AmqpBroker({
        url: amqpUrl(),
        queuePrefix,
        publishTimeout: 60_000,
        reconnectMaxDelay: 500,
        onError: (error) => errors.push(error),
      });
      const app = new Celeriac({ broker, backend: null, logger: pino({ level: 'silent' }) });
      const started = new Map<number, number>();
      const etas = new Map<number, number>();
      const work = app.task('restart.work', async (n: number) => {
        if (!started.has(n)) started.set(n, Date.now());
        await sleep(5);
        return null;
      });
      cleanup.push(
        () => deleteByPrefix(queuePrefix),
        () => broker.close(),
        () => app.close({ timeout: 2000 }),
      );
      const send = async (from: number, to: number, delayed?: (n: number) => number | undefined): Promise<void> => {
        const sends: Promise<unknown>[] = [];
        for (let n = from; n < to; n++) {
          const countdown = delayed?.(n);
          if (countdown === undefined) {
            sends.push(work.delay(n));
          } else {
            etas.set(n, Date.now() + countdown * 1000);
            sends.push(work.applyAsync([n], { countdown }));
          }
        }
        await Promise.all(sends);
      };
      return { app, broker, started, etas, errors, send };
    }

    function expectAllDoneInTime(run: Run, total: number): void {
      const missing = Array.from({ length: total }, (_, n) => n).filter((n) => !run.started.has(n));
      expect(missing).toEqual([]);
      for (const [n, eta] of run.etas)
        expect(run.started.get(n)!, `task ${n} ran before its eta`).toBeGreaterThanOrEqual(eta);
    }

    it('stop_app then start_app during 2,000 tasks: the worker recovers by itself, none is lost, delayed ones wait their time', async () => {
      const run = startRun();
      // 100 delayed tasks spread over 2–5 s stay in the delay buckets across the restart.
      await run.send(0, 1500, (n) => (n % 15 === 0 ? 2 + (n % 4) : undefined));
      const worker = run.app.worker({ concurrency: 10 });
      await worker.start();
      await waitFor(() => run.started.size >= 300, { timeout: 20_000 });

      await rabbitmqctl('stop_app');
      // Published while RabbitMQ is down: these wait (publishTimeout) and go out once it is back.
      const duringOutage = run.send(1500, 2000);
      await sleep(500);
      expect(run.started.size).toBeLessThan(2000);
      await rabbitmqctl('start_app');
      await rabbitmqctl('await_startup');
      await duringOutage;

      await waitFor(() => run.started.size === 2000, {
        timeout: 60_000,
        message: () => `${run.started.size} of 2000 tasks ran; errors: ${run.errors.map((e) => e.message).join(' | ')}`,
      });
      expectAllDoneInTime(run, 2000);
      expect(
        run.errors.some((error) => /connection lost/.test(error.message) || error.name === 'BrokerConnectionError'),
      ).toBe(true);
      await waitFor(async () => (await run.broker.stats('default')).ready === 0, { timeout: 10_000 });
      await worker.close();
    });

    it('close_all_connections mid-run: publishing and consuming resume on new connections', async () => {
      const run = startRun();
      await run.send(0, 1000, (n) => (n % 20 === 0 ? 1 + (n % 3) : undefined));
      const worker = run.app.worker({ concurrency: 10 });
      await worker.start();
      await waitFor(() => run.started.size >= 200, { timeout: 20_000 });
      await rabbitmqctl('close_all_connections', 'celeriac restart test');
      await run.send(1000, 1200);
      await waitFor(() => run.started.size === 1200, {
        timeout: 60_000,
        message: () => `${run.started.size} of 1200 tasks ran; errors: ${run.errors.map((e) => e.message).join(' | ')}`,
      });
      expectAllDoneInTime(run, 1200);
      expect(run.errors.some((error) => /celeriac restart test|CONNECTION_FORCED/.test(error.message))).toBe(true);
      await worker.close();
    });
  });
});
