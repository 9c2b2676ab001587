import type { Broker, ConsumeOptions, Delivery, Subscription } from '@celeriac/core';

// Captured at import, before a test installs fake timers: a real macrotask boundary.
const realSetImmediate = globalThis.setImmediate;

/** Resolves once every queued microtask (and each one they queue) has run. */
export function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => realSetImmediate(resolve));
}

/** A consumer that records what it receives, without settling anything. */
export async function record(
  broker: Broker,
  options: ConsumeOptions,
): Promise<{ received: Delivery[]; subscription: Subscription }> {
  const received: Delivery[] = [];
  const subscription = await broker.consume(options, (delivery) => received.push(delivery));
  return { received, subscription };
}

/** An `OutgoingMessage` with defaults for the fields a test does not care about. */
export function message(
  id: string,
  queue = 'q',
  fields: { priority?: number; eta?: number; body?: string } = {},
): { id: string; queue: string; body: string; priority: number; eta?: number } {
  const out = { id, queue, body: fields.body ?? `body-${id}`, priority: fields.priority ?? 0 };
  return fields.eta === undefined ? out : { ...out, eta: fields.eta };
}
