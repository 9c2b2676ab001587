import { randomUUID } from 'node:crypto';
import { waitFor } from '@celeriac/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  celeryMissing,
  pythonCaptureEvents,
  pythonInspectPing,
  pythonRevoke,
  pythonSend,
  uniqueQueue,
} from './python.ts';
import { celeryModeApp, flushInteropDb, redisCeleryEnv, redisMissing } from './redis-env.ts';

const skip = celeryMissing || redisMissing;

describe.skipIf(skip !== '')(
  `Celery's own tools see Celeriac workers, over Redis${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    const apps: { close(): Promise<void> }[] = [];
    beforeEach(flushInteropDb);
    afterEach(async () => {
      await Promise.all(apps.splice(0).map((app) => app.close()));
    });

    it('`celery inspect ping` gets a pong from every Celeriac worker', async () => {
      const queue = uniqueQueue('ping');
      for (const hostname of ['ts-one@interop', 'ts-two@interop']) {
        const app = celeryModeApp({ defaultQueue: queue });
        apps.push(app);
        await app.worker({ queues: [queue], hostname }).start();
      }
      const answered = await pythonInspectPing(redisCeleryEnv(queue));
      expect(answered.sort()).toEqual(['ts-one@interop', 'ts-two@interop']);
    });

    it('`app.control.revoke(id)` from Python reaches every Celeriac worker: the task is skipped as REVOKED', async () => {
      const queue = uniqueQueue('revoke');
      const ran: string[] = [];
      const hostnames = ['ts-rv1@interop', 'ts-rv2@interop'];
      for (const hostname of hostnames) {
        const app = celeryModeApp({ defaultQueue: queue });
        apps.push(app);
        app.task(
          'ts.add',
          (ctx, x: number, y: number) => {
            ran.push(ctx.id);
            return x + y;
          },
          { bind: true },
        );
        await app.worker({ queues: [queue], hostname }).start();
      }
      const taskId = randomUUID();

      const outcome = await pythonRevoke(redisCeleryEnv(queue), taskId);
      const producer = celeryModeApp({ defaultQueue: queue });
      apps.push(producer);
      const result = await producer.sendTask('ts.add', [1, 1], { taskId });

      for (const hostname of hostnames) {
        expect(outcome.result).toContainEqual({ [hostname]: { ok: `tasks ${taskId} flagged as revoked` } });
      }
      await waitFor(async () => (await result.state()) === 'REVOKED', { timeout: 20_000 });
      expect(ran).not.toContain(taskId);
    });

    it("Celery's event receiver (celery events, Flower) sees a Celeriac worker and its tasks on celeryev", async () => {
      const queue = uniqueQueue('events');
      const env = redisCeleryEnv(queue);
      const capture = await pythonCaptureEvents(env, 4);
      const app = celeryModeApp({ defaultQueue: queue });
      apps.push(app);
      app.task('ts.add', (x: number, y: number) => x + y);
      await app.worker({ queues: [queue], hostname: 'ts-events@interop' }).start();
      const sent = await pythonSend(env, 'ts.add', [1, 2]);
      const seen = await capture.done;

      expect(seen.alive_workers).toContain('ts-events@interop');
      expect(seen.tasks[sent.id]).toMatchObject({ state: 'SUCCESS', name: 'ts.add', worker: 'ts-events@interop' });
      const types = seen.events.filter((event) => event.uuid === sent.id).map((event) => event.type);
      expect(types).toEqual(expect.arrayContaining(['task-received', 'task-started', 'task-succeeded']));
    });
  },
);
