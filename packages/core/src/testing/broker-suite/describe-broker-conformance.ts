import { afterEach, beforeEach, describe, it } from 'vitest';
import type { Broker, BrokerCapabilities } from '../../broker/broker.ts';
import { ackNackTests } from './ack-nack.ts';
import { broadcastTests } from './broadcast.ts';
import { consumeTests } from './consume.ts';
import type { BrokerConformanceOptions, BrokerSuiteContext } from './context.ts';
import { deadLetterTests } from './dead-letter.ts';
import { delayTests } from './delay.ts';
import { leaseTests } from './lease.ts';
import { lifecycleTests } from './lifecycle.ts';
import { priorityTests } from './priority.ts';
import { publishTests } from './publish.ts';
import { purgeStatsTests } from './purge-stats.ts';

/**
 * Register the broker conformance suite: every behaviour core relies on, one `describe` per
 * concern. Each test gets a fresh broker from `options.create()` (connected first, closed after,
 * then passed to `options.cleanup`) and its own random queue names.
 *
 * @example
 * // packages/broker-redis/test/conformance.test.ts
 * describeBrokerConformance({ name: 'redis', create: () => new RedisBroker({ url }), timeScale: 2 });
 */
export function describeBrokerConformance(options: BrokerConformanceOptions): void {
  const timeScale = options.timeScale ?? 1;
  let current: Broker | undefined;
  let created: Broker[] = [];
  const closed = new Set<Broker>();
  // Drop keys given as undefined, so they do not hide the broker's own value.
  const declared = Object.fromEntries(
    Object.entries(options.capabilities ?? {}).filter(([, value]) => value !== undefined),
  ) as Partial<BrokerCapabilities>;

  const ctx: BrokerSuiteContext = {
    name: options.name,
    timeScale,
    get broker(): Broker {
      if (!current) throw new Error('ctx.broker is only available while a conformance test runs');
      return current;
    },
    get capabilities(): BrokerCapabilities {
      return { ...ctx.broker.capabilities, ...declared };
    },
    ms: (milliseconds) => Math.round(milliseconds * timeScale),
    async createBroker() {
      const broker = await options.create();
      created.push(broker);
      await broker.connect();
      return broker;
    },
    async closeBroker(broker) {
      closed.add(broker);
      await broker.close();
    },
    async successorOf(broker) {
      if (ctx.capabilities.crossProcess) return ctx.createBroker();
      await broker.connect();
      closed.delete(broker);
      return broker;
    },
    itRequires(capability, name, fn) {
      // Why skipped: a broker that lacks a capability (memory has no leases) cannot be held to it;
      // the reason is printed with the test, and every broker that declares the capability runs it.
      it.skipIf(declared[capability] === false)(name, async (test) => {
        test.skip(!ctx.capabilities[capability], `${options.name} lacks capabilities.${capability}`);
        await fn();
      });
    },
  };

  // Tests share `current`, so they must not run concurrently even when the project says so.
  describe(`broker conformance: ${options.name}`, { sequential: true, timeout: 20_000 * timeScale }, () => {
    beforeEach(async () => {
      current = await ctx.createBroker();
    });

    afterEach(async () => {
      const brokers = created;
      created = [];
      current = undefined;
      const errors: unknown[] = [];
      for (const broker of brokers) {
        if (!closed.has(broker)) await broker.close().catch((error: unknown) => errors.push(error));
      }
      closed.clear();
      for (const broker of brokers) await options.cleanup?.(broker).catch((error: unknown) => errors.push(error));
      if (errors.length > 0) throw new AggregateError(errors, 'closing or cleaning up the test brokers failed');
    });

    publishTests(ctx);
    consumeTests(ctx);
    ackNackTests(ctx);
    delayTests(ctx);
    priorityTests(ctx);
    deadLetterTests(ctx);
    purgeStatsTests(ctx);
    broadcastTests(ctx);
    leaseTests(ctx);
    lifecycleTests(ctx);
    if (options.additionalTests) describe('additional tests', () => options.additionalTests?.(ctx));
  });
}
