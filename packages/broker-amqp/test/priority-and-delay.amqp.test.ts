import { randomBytes } from 'node:crypto';
import { RedisBackend } from '@celeriac/broker-redis';
import { Celeriac } from '@celeriac/core';
import { waitFor } from '@celeriac/core/testing';
import { pino } from 'pino';
import { afterEach, expect, it } from 'vitest';
import { AmqpBroker } from '../src/index.ts';
import { amqpUrl, deleteByPrefix, describeAmqp, redisUrl, uniquePrefix } from './helpers.ts';

describeAmqp(
  'priorities and delays, end to end',
  () => {
    let cleanup: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const step of cleanup.reverse()) await step().catch(() => undefined);
      cleanup = [];
    });

    function makeApp(): { app: Celeriac; broker: AmqpBroker } {
      const queuePrefix = uniquePrefix();
      const broker = new AmqpBroker({ url: amqpUrl(), queuePrefix });
      const backend = new RedisBackend({ url: redisUrl(), prefix: `celeriac-test-${randomBytes(5).toString('hex')}:` });
      const app = new Celeriac({ broker, backend, logger: pino({ level: 'silent' }) });
      cleanup.push(
        () => deleteByPrefix(queuePrefix),
        () => backend.close(),
        () => broker.close(),
        () => app.close(),
      );
      return { app, broker };
    }

    it('runs a backlog highest priority first', async () => {
      const { app } = makeApp();
      const order: number[] = [];
      const record = app.task('e2e.record', (priority: number) => {
        order.push(priority);
        return priority;
      });
      const priorities = [0, 5, 9, 1, 9, 3, 0, 7];
      for (const priority of priorities) await record.applyAsync([priority], { priority });
      const worker = app.worker({ concurrency: 1 });
      await worker.start();
      await waitFor(() => order.length === priorities.length, { timeout: 10_000 });
      expect(order).toEqual([...priorities].sort((a, b) => b - a));
      await worker.close();
    });

    it('starts countdown and eta tasks at their time, not before, and retries after their delay', async () => {
      const { app, broker } = makeApp();
      const startedAt = new Map<string, number>();
      const stamp = app.task('e2e.stamp', (label: string) => {
        startedAt.set(label, Date.now());
        return label;
      });
      const attempts: number[] = [];
      const flaky = app.task(
        'e2e.flaky',
        (ctx) => {
          attempts.push(Date.now());
          if (ctx.retries === 0) ctx.retry({ countdown: 0.4 });
          return ctx.retries;
        },
        { bind: true },
      );
      const worker = app.worker({ concurrency: 4 });
      await worker.start();

      const sent = Date.now();
      const eta = new Date(sent + 1500);
      const results = [
        await stamp.applyAsync(['countdown'], { countdown: 0.7 }),
        await stamp.applyAsync(['eta'], { eta }),
        await stamp.applyAsync(['now'], {}),
      ];
      expect((await broker.stats('default')).delayed).toBe(2);
      const retried = await flaky.delay();
      await Promise.all(results.map((result) => result.get({ timeout: 10_000 })));
      expect(startedAt.get('now')! - sent).toBeLessThan(500);
      expect(startedAt.get('countdown')!).toBeGreaterThanOrEqual(sent + 700);
      expect(startedAt.get('eta')!).toBeGreaterThanOrEqual(eta.getTime());
      expect(startedAt.get('eta')! - eta.getTime()).toBeLessThan(1000);
      expect(await retried.get({ timeout: 10_000 })).toBe(1);
      expect(attempts).toHaveLength(2);
      expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(400);
      expect(await broker.stats('default')).toEqual({ ready: 0, delayed: 0, unacked: 0, dead: 0 });
      await worker.close();
    });
  },
  { redis: true },
);
