import { ConfigError, type OutgoingMessage, PublishError } from '@celeriac/core';
import { describe, expect, it } from 'vitest';
import { MemoryBroker } from '../src/memory-broker.ts';
import { message } from './helpers/flush.ts';

describe('MemoryBroker validation', () => {
  it.each([10, -1, 1.5, Number.NaN, '5', undefined])('rejects priority %s with a PublishError naming it', async (p) => {
    const broker = new MemoryBroker();
    const bad = { ...message('bad'), priority: p } as unknown as OutgoingMessage;
    const error = await broker.publish([message('good'), bad]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishError);
    expect((error as Error).message).toContain(`priority ${typeof p === 'string' ? `"${p}"` : String(p)}`);
    expect((error as Error).message).toContain('bad');
    // Nothing of a rejected batch is enqueued.
    expect((await broker.stats('q')).ready).toBe(0);
    await broker.close();
  });

  it('rejects an empty queue name', async () => {
    const broker = new MemoryBroker();
    await expect(broker.publish([message('1', '')])).rejects.toThrow(PublishError);
    await expect(broker.publish([message('1', '')])).rejects.toThrow(/queue must be a non-empty string/);
    await broker.close();
  });

  it('rejects a non-finite eta', async () => {
    const broker = new MemoryBroker();
    await expect(broker.publish([message('1', 'q', { eta: Number.NaN })])).rejects.toThrow(/eta NaN/);
    await broker.close();
  });

  it('accepts an empty batch', async () => {
    const broker = new MemoryBroker();
    await expect(broker.publish([])).resolves.toBeUndefined();
    await broker.close();
  });

  it('rejects consume options without queues or with a prefetch below 1', async () => {
    const broker = new MemoryBroker();
    await expect(broker.consume({ queues: [], prefetch: 1 }, () => {})).rejects.toBeInstanceOf(ConfigError);
    await expect(broker.consume({ queues: [], prefetch: 1 }, () => {})).rejects.toThrow(/at least one queue/);
    await expect(broker.consume({ queues: [''], prefetch: 1 }, () => {})).rejects.toThrow(/queue name ""/);
    await expect(broker.consume({ queues: ['q'], prefetch: 0 }, () => {})).rejects.toThrow(/prefetch 0/);
    await expect(broker.consume({ queues: ['q'], prefetch: 1.5 }, () => {})).rejects.toThrow(/prefetch 1.5/);
    await broker.close();
  });

  it('rejects a bad maxDeadLettersPerQueue option at construction', () => {
    expect(() => new MemoryBroker({ maxDeadLettersPerQueue: -1 })).toThrow(ConfigError);
  });

  it('declares its capabilities', () => {
    expect(new MemoryBroker().capabilities).toEqual({
      delay: true,
      priorities: true,
      leases: false,
      crossProcess: false,
    });
  });
});
