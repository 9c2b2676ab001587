import type { Channel } from 'amqplib';
import { queueArguments, type Topology } from '../topology.ts';

/**
 * Declare a task queue as kombu's `Queue(name, Exchange(name, 'direct'), routing_key=name)` does
 * (what Celery declares for `task_default_queue` and for queues it creates when routing), plus our
 * dead-letter queue beside it. Durable, not exclusive nor auto-delete; `x-max-priority` only when
 * set, as Celery's `task_queue_max_priority`: RabbitMQ refuses (406 PRECONDITION_FAILED) to
 * redeclare a queue with other arguments, so a mismatch would stop the Celery worker.
 */
export async function declareCeleryQueue(
  channel: Channel,
  topology: Topology,
  queue: string,
  maxPriority: number,
): Promise<void> {
  const name = topology.queue(queue);
  await channel.assertExchange(name, 'direct', { durable: true, autoDelete: false });
  await channel.assertQueue(name, {
    durable: true,
    exclusive: false,
    autoDelete: false,
    arguments: queueArguments(maxPriority),
  });
  await channel.bindQueue(name, name, name);
  await channel.assertQueue(topology.deadLetterQueue(queue), { durable: true });
}
