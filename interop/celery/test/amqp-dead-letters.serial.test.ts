import { randomUUID } from 'node:crypto';
import { decodeEnvelope } from '@celeriac/core';
import amqplib from 'amqplib';
import { afterAll, expect, it } from 'vitest';
import { AMQP_URL, AmqpInterop, describeInterop, waitUntil } from './amqp-interop.ts';
import { pythonSend } from './python.ts';

/** Publish raw messages to `queue`, as a misconfigured or foreign producer would. */
async function publishRaw(
  queue: string,
  messages: Array<{ content: Buffer; options: amqplib.Options.Publish }>,
): Promise<void> {
  const connection = await amqplib.connect(AMQP_URL);
  try {
    const channel = await connection.createConfirmChannel();
    for (const { content, options } of messages) channel.publish('', queue, content, options);
    await channel.waitForConfirms();
  } finally {
    await connection.close();
  }
}

/** Headers of a well-formed protocol-2 message for `ts.add`. */
function headers(id: string): Record<string, unknown> {
  return { lang: 'py', task: 'ts.add', id, root_id: id, parent_id: null, group: null, retries: 0, eta: null };
}

describeInterop('dead letters in Celery mode, over RabbitMQ', () => {
  const interop = new AmqpInterop('dead');
  afterAll(() => interop.close());

  it('malformed messages are set aside with a reason, in their Celery form, and the worker keeps consuming', async () => {
    const app = interop.app();
    app.task('ts.add', (x: number, y: number) => x + y);
    const worker = app.worker({ queues: [interop.tsQueue] });
    await worker.start();
    const [pickled, truncated, protocol1] = [randomUUID(), randomUUID(), randomUUID()];

    await publishRaw(interop.tsQueue, [
      {
        content: Buffer.from([0x80, 0x04, 0x95, 0x01]),
        options: {
          contentType: 'application/x-python-serialize',
          contentEncoding: 'binary',
          headers: headers(pickled),
        },
      },
      { content: Buffer.from('[[2, 3], {'), options: { contentType: 'application/json', headers: headers(truncated) } },
      {
        content: Buffer.from(JSON.stringify({ task: 'ts.add', id: protocol1, args: [2, 3], kwargs: {} })),
        options: { contentType: 'application/json', correlationId: protocol1 },
      },
    ]);
    // A good message after the bad ones still runs, sent by Python, whose get() returns.
    expect(await pythonSend(interop.env, 'ts.add', [2, 3])).toMatchObject({ result: 5 });

    const broker = await app.broker();
    await waitUntil(async () => (await broker.deadLetters.list(interop.tsQueue)).length === 3);
    const letters = await broker.deadLetters.list(interop.tsQueue);
    const reasons = Object.fromEntries(letters.map((letter) => [letter.id, letter.reason]));
    expect(reasons[pickled]).toMatch(/application\/x-python-serialize.*json serializer only/);
    expect(reasons[truncated]).toMatch(/not JSON/);
    expect(reasons[protocol1]).toMatch(/protocol 1 is not supported/);
    // Kept as Celery sent it: the headers travel with the letter.
    const letter = letters.find((each) => each.id === truncated);
    expect(JSON.parse(letter?.body ?? '{}')).toMatchObject({
      headers: { task: 'ts.add', id: truncated },
      body: '[[2, 3], {',
    });
    expect((await broker.stats(interop.tsQueue)).dead).toBe(3);
    await worker.close();
  });

  it('a task no Celeriac worker knows fails and is dead-lettered with the reason, as in Celery; requeued, it runs', async () => {
    const before = interop.app();
    const unaware = before.worker({ queues: [interop.tsQueue] });
    await unaware.start();
    const broker = await before.broker();
    const deadBefore = (await broker.stats(interop.tsQueue)).dead;

    // Celery's worker marks an unregistered task failed (NotRegistered) and rejects it; so does Celeriac,
    // whose UnknownTaskError Python raises as celery.exceptions.NotRegistered.
    const outcome = await pythonSend(interop.env, 'ts.shipped_later', [7]);
    expect(outcome).toMatchObject({ error_type: 'NotRegistered' });
    expect(outcome.error_message).toMatch(/not registered/);
    await waitUntil(async () => (await broker.stats(interop.tsQueue)).dead === deadBefore + 1);
    const [letter] = (await broker.deadLetters.list(interop.tsQueue)).filter((each) =>
      /shipped_later/.test(each.reason),
    );
    expect(letter?.reason).toMatch(/task "ts.shipped_later" is not registered/);
    // Listed as the task it is: the monitor shows its name and arguments.
    expect(decodeEnvelope(letter?.body ?? '').body[0]).toEqual([7]);

    // The next deploy has the task: requeue the letter to it.
    await unaware.close();
    const after = interop.app();
    after.task('ts.shipped_later', (n: number) => n * 6);
    await after.worker({ queues: [interop.tsQueue] }).start();
    expect(letter?.id).toBe(outcome.id);
    expect(await broker.deadLetters.requeue(interop.tsQueue, outcome.id)).toBe(true);

    // The FAILURE stored when it was set aside stays until the run stores SUCCESS.
    const result = after.result(outcome.id);
    await waitUntil(async () => (await result.state()) === 'SUCCESS');
    expect(await result.get()).toBe(42);
  });
});
