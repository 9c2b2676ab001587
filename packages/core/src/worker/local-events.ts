import type { EventEmitter } from 'eventemitter3';
import type { Logger } from 'pino';
import { coerceError } from '../errors/coerce-error.ts';
import type { CeleriacEventMap, ClusterEvent } from '../events/event-map.ts';

/**
 * Hand `event` to a worker's own listeners, by its type and then as `'*'`. A listener that throws is
 * logged and never stops the worker or the other listeners of the other name.
 */
export function emitLocally(emitter: EventEmitter<CeleriacEventMap>, event: ClusterEvent, logger: Logger): void {
  for (const name of [event.type, '*'] as const) {
    try {
      emitter.emit(name, event as never);
    } catch (error) {
      logger.error({ err: coerceError(error), event: event.type }, 'a worker event listener threw');
    }
  }
}
