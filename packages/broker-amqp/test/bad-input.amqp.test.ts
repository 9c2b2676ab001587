import { randomBytes } from 'node:crypto';
import { waitFor } from '@celeriac/core/testing';
import { afterEach, expect, it } from 'vitest';
import { type AppSettings, createApp } from './fixtures/tasks.ts';
import { adminConnection, amqpUrl, deleteByPrefix, describeAmqp, redisUrl, uniquePrefix } from './helpers.ts';

describeAmqp(
  'messages a worker cannot run',
  () => {
    let cleanup: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const step of cleanup.reverse()) await step().catch(() => undefined);
      cleanup = [];
    });

    it('sets a non-JSON body and an unknown task aside in the dead-letter queue with reasons, and goes on consuming', async () => {
      const settings: AppSettings = {
        amqpUrl: amqpUrl(),
        redisUrl: redisUrl(),
        queuePrefix: uniquePrefix(),
        redisPrefix: `celeriac-test-${randomBytes(5).toString('hex')}:`,
      };
      const { app, broker, slow, close } = createApp(settings);
      cleanup.push(() => deleteByPrefix(settings.queuePrefix), close);
      const worker = app.worker({ concurrency: 2 });
      await worker.start();

      // Published by hand, as another program (or a bug) might.
      const connection = await adminConnection();
      cleanup.push(() => connection.close());
      const channel = await connection.createConfirmChannel();
      const queue = broker.topology.queue('default');
      const unknownTask = {
        headers: { lang: 'js', task: 'reports.nobody_has_this', id: 'unknown-task-1', retries: 0 },
        properties: { correlation_id: 'unknown-task-1' },
        body: [[], {}, {}],
      };
      channel.sendToQueue(queue, Buffer.from('this is { not json'), { messageId: 'not-json-1', persistent: true });
      channel.sendToQueue(queue, Buffer.from(JSON.stringify(unknownTask)), {
        messageId: 'unknown-task-1',
        persistent: true,
      });
      await channel.waitForConfirms();

      // The worker is still there: a good task sent after them completes.
      const result = await slow.delay(7, 1);
      expect(await result.get({ timeout: 10_000 })).toBe(7);

      await waitFor(async () => (await broker.stats('default')).dead === 2, { timeout: 10_000 });
      const dead = await broker.deadLetters.list('default');
      expect(dead.map((letter) => letter.id).sort()).toEqual(['not-json-1', 'unknown-task-1']);
      const reasons = Object.fromEntries(dead.map((letter) => [letter.id, letter.reason]));
      expect(reasons['not-json-1']).toMatch(/undecodable message: message body is not JSON/);
      expect(reasons['unknown-task-1']).toMatch(/task "reports.nobody_has_this" is not registered/);
      expect(dead.find((letter) => letter.id === 'not-json-1')?.body).toBe('this is { not json');
      expect(await app.result('unknown-task-1').state()).toBe('FAILURE');
      expect(await broker.stats('default')).toEqual({ ready: 0, delayed: 0, unacked: 0, dead: 2 });
      await worker.close();
    });
  },
  { redis: true },
);
