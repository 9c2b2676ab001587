import { describe, expect, it } from 'vitest';
import * as api from '../src/index.ts';

describe('@celeriac/broker-memory exports', () => {
  it('exports exactly the broker, the backend and their factories, with no default export', () => {
    expect(Object.keys(api).sort()).toEqual([
      'MemoryBackend',
      'MemoryBroker',
      'createMemoryBackend',
      'createMemoryBroker',
    ]);
  });

  it('factories create working instances', async () => {
    const broker = api.createMemoryBroker({ maxDeadLettersPerQueue: 5 });
    const backend = api.createMemoryBackend({ sweepIntervalMs: 1_000 });
    expect(broker).toBeInstanceOf(api.MemoryBroker);
    expect(backend).toBeInstanceOf(api.MemoryBackend);
    await broker.close();
    await backend.close();
  });
});
