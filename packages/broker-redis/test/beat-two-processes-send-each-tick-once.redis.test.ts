import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { BeatKit } from './beat-processes.ts';
import { describeRedis } from './helpers.ts';

describeRedis('beat: two beat processes on one Redis', () => {
  let kit: BeatKit;
  beforeEach(() => {
    kit = new BeatKit();
  });
  afterEach(() => kit.close());

  it('with an every(1) entry, over 5 s, send about 5 tasks, not 10: the leader sends, the other stands by', async () => {
    await kit.startWorker();
    const beats = await Promise.all([kit.spawnBeat({ every: 1, lockTtl: 2 }), kit.spawnBeat({ every: 1, lockTtl: 2 })]);
    const from = Date.now();
    await sleep(5_000);
    const until = Date.now();
    await sleep(500); // the last sends reach the worker

    const inWindow = kit.received.filter((at) => at >= from && at < until);
    expect(inWindow.length).toBeGreaterThanOrEqual(4);
    expect(inWindow.length).toBeLessThanOrEqual(6);
    const dues = beats.flatMap((beat) => beat.sentDues());
    expect(new Set(dues).size).toBe(dues.length);
    expect(kit.received).toHaveLength(dues.length);
    const senders = beats.filter((beat) => beat.sentDues().length > 0);
    expect(senders).toHaveLength(1);
    expect(await kit.leader()).toBe(senders[0]?.owner);
  }, 30_000);
});
