import { randomBytes, randomUUID } from 'node:crypto';
import type { Worker } from '@celeriac/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AmqpInterop, describeInterop, waitUntil } from './amqp-interop.ts';
import { pythonCaptureEvents, pythonInspectPing, pythonRevoke } from './python.ts';

describeInterop("Celery's remote control and events see Celeriac workers, over RabbitMQ", () => {
  const interop = new AmqpInterop('control');
  const hostname = `ts-${randomBytes(3).toString('hex')}@interop`;
  const ran: string[] = [];
  let worker: Worker;

  beforeAll(async () => {
    const app = interop.app();
    app.task(
      'ts.add',
      (ctx, x: number, y: number) => {
        ran.push(ctx.id);
        return x + y;
      },
      { bind: true },
    );
    worker = app.worker({ queues: [interop.tsQueue], hostname });
    await worker.start();
  });
  afterAll(() => interop.close());

  it('`celery inspect ping` sees the Celeriac worker', async () => {
    // The worker's mailbox is declared once it has told the broker its name, just after start().
    let answered: string[] = [];
    await waitUntil(async () => {
      answered = await pythonInspectPing(interop.env, 1);
      return answered.includes(hostname);
    }, 30_000);

    expect(answered).toContain(hostname);
  });

  it('`app.control.revoke(id)` from Python reaches the Celeriac worker: the task is skipped as REVOKED', async () => {
    const app = interop.app();
    const taskId = randomUUID();

    const outcome = await pythonRevoke(interop.env, taskId);
    const result = await app.sendTask('ts.add', [1, 1], { taskId });

    expect(outcome.result).toContainEqual({ [hostname]: { ok: `tasks ${taskId} flagged as revoked` } });
    await waitUntil(async () => (await result.state()) === 'REVOKED');
    expect(ran).not.toContain(taskId);
  });

  it("Celery's event receiver and State see the worker and its tasks (celery events, Flower)", async () => {
    const capture = await pythonCaptureEvents(interop.env, 5);
    const app = interop.app();
    // A second worker comes online while Python listens.
    const second = `${hostname}-2`;
    await app.worker({ queues: [interop.tsQueue], hostname: second }).start();

    const result = await app.sendTask<number>('ts.add', [20, 22]);
    expect(await result.get({ timeout: 20_000 })).toBe(42);
    const { events, alive_workers, tasks } = await capture.done;

    const types = events.filter((event) => event.uuid === result.id).map((event) => event.type);
    expect(types).toEqual(expect.arrayContaining(['task-sent', 'task-received', 'task-started', 'task-succeeded']));
    expect(events).toContainEqual(expect.objectContaining({ type: 'worker-online', hostname: second }));
    expect(alive_workers).toContain(second);
    expect(tasks[result.id]).toMatchObject({ state: 'SUCCESS', name: 'ts.add' });
    expect([hostname, second]).toContain(tasks[result.id]?.worker);
  });
});
