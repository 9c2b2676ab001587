import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import type { OutgoingMessage, QueueStats } from '../../broker/broker.ts';
import type { DeliveryCollector } from '../helpers/collect-deliveries.ts';
import { waitFor } from '../helpers/wait-for.ts';
import type { BrokerSuiteContext } from './context.ts';

let sequence = 0;

/** A test message for `queue`: a fresh id, a JSON body naming it, priority 0, no eta. */
export function message(queue: string, overrides: Partial<Omit<OutgoingMessage, 'queue'>> = {}): OutgoingMessage {
  const id = overrides.id ?? randomUUID();
  sequence += 1;
  return { id, queue, body: JSON.stringify({ id, sequence, kind: 'conformance' }), priority: 0, ...overrides };
}

/** `count` test messages for `queue`. */
export function messages(queue: string, count: number): OutgoingMessage[] {
  return Array.from({ length: count }, () => message(queue));
}

/** Queue stats with every count not given at 0. */
export function stats(counts: Partial<QueueStats> = {}): QueueStats {
  return { ready: 0, delayed: 0, unacked: 0, dead: 0, ...counts };
}

/**
 * Assert `queue`'s stats, polling for a short while: brokers such as AMQP settle acknowledgements
 * asynchronously, so counts may trail a resolved `ack` by a round trip.
 */
export async function expectStats(
  ctx: BrokerSuiteContext,
  queue: string,
  expected: Partial<QueueStats>,
): Promise<void> {
  await expect.poll(() => ctx.broker.stats(queue), { timeout: ctx.ms(2000), interval: 10 }).toEqual(stats(expected));
}

/**
 * Publish a sentinel to `queue` and wait until `collector` (which must have budget, e.g. autoAck)
 * receives it; return the ids received before it. A message wrongly requeued or left behind by the
 * step under test was in the queue before the sentinel, so it shows up here: a negative check that
 * needs no sleep.
 */
export async function idsBeforeSentinel(
  ctx: BrokerSuiteContext,
  collector: DeliveryCollector,
  queue: string,
): Promise<string[]> {
  const sentinel = message(queue, { id: `sentinel-${randomUUID()}` });
  await ctx.broker.publish([sentinel]);
  await waitFor(() => collector.ids.includes(sentinel.id), {
    timeout: ctx.ms(5000),
    message: () => `sentinel ${sentinel.id} not delivered; got [${collector.ids.join(', ')}]`,
  });
  return collector.ids.slice(0, collector.ids.indexOf(sentinel.id));
}

/**
 * Give a broker `ms` to do something it must not do (deliver past its prefetch budget). Only used
 * for such negative checks, where no event can mark the end of the wait; never to wait for
 * something to happen.
 */
export async function quietPeriod(ms: number): Promise<void> {
  await sleep(ms);
}
