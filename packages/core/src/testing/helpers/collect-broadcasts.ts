import type { Broker, Subscription } from '../../broker/broker.ts';
import type { Json } from '../../json/json.ts';
import { waitFor } from './wait-for.ts';

/** Records what one `Broker.subscribeBroadcast` subscription receives. */
export class BroadcastCollector {
  /** Every message received, in arrival order. */
  readonly messages: Json[] = [];
  /** The subscription, once `collectBroadcasts` has started it. */
  subscription: Subscription | undefined;

  /** The handler to pass to `Broker.subscribeBroadcast`. */
  readonly onMessage = (message: Json): void => {
    this.messages.push(message);
  };

  /** Resolve with the messages once at least `count` have arrived; reject after `timeout` ms. */
  async waitForCount(count: number, options: { timeout?: number } = {}): Promise<Json[]> {
    await waitFor(() => this.messages.length >= count, {
      timeout: options.timeout ?? 5000,
      message: () => `expected ${count} broadcasts, got ${this.messages.length}: ${JSON.stringify(this.messages)}`,
    });
    return [...this.messages];
  }

  /** Close the subscription. */
  async close(): Promise<void> {
    await this.subscription?.close();
  }
}

/** Subscribe to `channel` into a new {@link BroadcastCollector}. */
export async function collectBroadcasts(broker: Broker, channel: string): Promise<BroadcastCollector> {
  const collector = new BroadcastCollector();
  collector.subscription = await broker.subscribeBroadcast(channel, collector.onMessage);
  return collector;
}
