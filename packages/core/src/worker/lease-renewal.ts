import type { Logger } from 'pino';
import type { Broker, Delivery } from '../broker/broker.ts';
import { coerceError } from '../errors/coerce-error.ts';

/**
 * On brokers that lease deliveries, renew every held one (running or prefetched) every
 * `leaseRenewMs`, so a long task, or one waiting behind it, is never handed to another worker.
 * Returns the timer, or undefined when the broker does not lease.
 */
export function renewLeases(
  broker: Broker,
  held: () => Iterable<Delivery>,
  logger: Logger,
): NodeJS.Timeout | undefined {
  const renewMs = broker.capabilities.leases ? broker.capabilities.leaseRenewMs : undefined;
  if (renewMs === undefined) return undefined;
  const timer = setInterval(() => {
    const deliveries = [...held()];
    if (deliveries.length === 0) return;
    broker.extendLease(deliveries).catch((error: unknown) => {
      logger.error({ err: coerceError(error) }, 'could not renew the leases of held tasks; they may be redelivered');
    });
  }, renewMs);
  timer.unref();
  return timer;
}
