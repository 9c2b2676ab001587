import { setImmediate as nextTurn } from 'node:timers/promises';
import { MemoryBroker } from '@celeriac/broker-memory';
import { type ClusterEvent, EVENTS_CHANNEL, type Json } from '@celeriac/core';
import { afterEach, describe, expect, it } from 'vitest';
import { EventPublisher } from '../src/events/event-publisher.ts';
import { closeApps, makeApp, recordEvents, waitFor } from './helpers.ts';

afterEach(closeApps);

/** A memory broker that also keeps every events broadcast it was asked to send. */
async function recordingBroker(): Promise<{ broker: MemoryBroker; broadcasts: ClusterEvent[][] }> {
  const broker = new MemoryBroker();
  await broker.connect();
  const broadcasts: ClusterEvent[][] = [];
  const broadcast = broker.broadcast.bind(broker);
  broker.broadcast = (channel: string, message: Json) => {
    if (channel === EVENTS_CHANNEL) broadcasts.push((message as unknown as { events: ClusterEvent[] }).events);
    return broadcast(channel, message);
  };
  return { broker, broadcasts };
}

function event(n: number): ClusterEvent {
  return {
    type: 'task-started',
    taskId: `t${n}`,
    name: 'noop',
    hostname: 'here',
    timestamp: n,
    queue: 'q',
    retries: 0,
  };
}

describe('cluster events are batched', () => {
  it('the events of one turn share one broadcast, in order; the next turn has its own', async () => {
    const { broker, broadcasts } = await recordingBroker();
    const publisher = new EventPublisher(broker, (error) => {
      throw error;
    });
    publisher.send(event(1));
    publisher.send(event(2));
    expect(broadcasts).toEqual([]);
    await nextTurn();
    publisher.send(event(3));
    await publisher.flush();
    expect(broadcasts).toEqual([[event(1), event(2)], [event(3)]]);
    await broker.close();
  });

  it('withdrawn events are never broadcast', async () => {
    const { broker, broadcasts } = await recordingBroker();
    const publisher = new EventPublisher(broker, (error) => {
      throw error;
    });
    const kept = event(1);
    const withdrawn = event(2);
    publisher.send(kept);
    publisher.send(withdrawn);
    publisher.withdraw([withdrawn]);
    await publisher.flush();
    expect(broadcasts).toEqual([[kept]]);
    await broker.close();
  });

  it('a burst of tasks costs a few broadcasts, not one per event, and every event arrives', async () => {
    const { broker, broadcasts } = await recordingBroker();
    const app = makeApp({ broker });
    const events = await recordEvents(app);
    const noop = app.task('noop', () => null, { ignoreResult: true });
    const worker = app.worker({ concurrency: 10 });
    await worker.start();
    await noop.applyBulk(Array.from({ length: 50 }, () => []));
    await waitFor(() => events.filter((e) => e.type === 'task-succeeded').length === 50);
    for (const type of ['task-sent', 'task-received', 'task-started', 'task-succeeded']) {
      expect(events.filter((e) => e.type === type)).toHaveLength(50);
    }
    const taskEvents = broadcasts.flat().filter((e) => e.type.startsWith('task-')).length;
    expect(taskEvents).toBe(200);
    expect(broadcasts.length).toBeLessThan(taskEvents / 4);
  });
});
