import type { ConsumeMessage } from 'amqplib';
import { afterEach, expect, it } from 'vitest';
import { AckWindow } from '../src/ack-window.ts';
import { adminConnection, deleteNames, describeAmqp, uniquePrefix } from './helpers.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function queueWith(count: number) {
  const queue = `${uniquePrefix()}acks`;
  const connection = await adminConnection();
  cleanups.push(async () => {
    await connection.close().catch(() => undefined);
    await deleteNames([queue]);
  });
  const setup = await connection.createConfirmChannel();
  await setup.assertQueue(queue, { durable: true });
  for (let i = 0; i < count; i++) setup.sendToQueue(queue, Buffer.from(String(i)), { persistent: true });
  await setup.waitForConfirms();
  await setup.close();
  return { queue, connection };
}

/** Consume `count` messages on a new channel of `connection`; resolves once all arrived. */
async function receive(connection: Awaited<ReturnType<typeof adminConnection>>, queue: string, count: number) {
  const channel = await connection.createChannel();
  await channel.prefetch(count);
  const window = new AckWindow(channel);
  const messages: ConsumeMessage[] = [];
  await new Promise<void>((resolve) => {
    void channel.consume(queue, (message) => {
      if (message === null) return;
      window.received(message);
      messages.push(message);
      if (messages.length === count) resolve();
    });
  });
  return { channel, window, messages };
}

describeAmqp('acks coalesced per channel', () => {
  it('a multiple ack never covers a delivery still open before it; later acks go one by one', async () => {
    const { queue, connection } = await queueWith(5);
    const { channel, window, messages } = await receive(connection, queue, 5);
    const body = (message: ConsumeMessage): string => message.content.toString();

    // 0, 1 and 3, 4 done in one turn; 2 still running.
    for (const i of [3, 0, 4, 1]) window.ack(messages[i]!);
    window.flush();
    // Closing the channel returns what was never acked: only message 2.
    await channel.close();

    const again = await receive(connection, queue, 1);
    expect(again.messages.map(body)).toEqual(['2']);
    expect(again.messages[0]!.fields.redelivered).toBe(true);
    const check = await connection.createChannel();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await check.checkQueue(queue)).messageCount).toBe(0);
  });

  it('a nack requeues at once, and the acks of one turn after it still cover only what is done', async () => {
    const { queue, connection } = await queueWith(3);
    const { channel, window, messages } = await receive(connection, queue, 3);

    window.nack(messages[0]!);
    window.ack(messages[1]!);
    window.ack(messages[2]!);
    window.flush();
    window.ack(messages[2]!); // settling twice is a no-op
    window.flush();

    // The same consumer gets message 0 back (its slot is free again), and nothing else.
    await expect.poll(() => messages.length).toBe(4);
    expect(messages[3]!.content.toString()).toBe('0');
    expect(messages[3]!.fields.redelivered).toBe(true);
    window.ack(messages[3]!);
    window.flush();
    await channel.close();
    const check = await connection.createChannel();
    expect((await check.checkQueue(queue)).messageCount).toBe(0);
  });
});
