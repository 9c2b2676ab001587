import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '@celeriac/core/testing';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { BeatKit } from './beat-processes.ts';
import { describeRedis } from './helpers.ts';

describeRedis('beat: the leader is SIGKILLed', () => {
  let kit: BeatKit;
  beforeEach(() => {
    kit = new BeatKit();
  });
  afterEach(() => kit.close());

  it('the other beat takes over within about the lock TTL, and at most one tick is lost, none sent twice', async () => {
    await kit.startWorker();
    const options = { every: 1, lockTtl: 1 };
    const beats = await Promise.all([kit.spawnBeat(options), kit.spawnBeat(options)]);
    await sleep(2_500);
    const leaderOwner = await kit.leader();
    const leader = beats.find((beat) => beat.owner === leaderOwner);
    const survivor = beats.find((beat) => beat !== leader);
    if (leader === undefined || survivor === undefined) throw new Error(`no leader among the beats (${leaderOwner})`);
    expect(leader.sentDues().length).toBeGreaterThanOrEqual(1);

    const killedAt = Date.now();
    await kit.kill(leader);
    await waitFor(async () => (await kit.leader()) === survivor.owner, {
      timeout: 4_000,
      message: 'the surviving beat takes the lock',
    });
    expect(Date.now() - killedAt).toBeLessThan(options.lockTtl * 1000 + 2_000);
    await sleep(4_000);
    survivor.child.kill('SIGTERM');
    await survivor.exited;
    await sleep(300); // the last sends reach the worker

    const dues = [...leader.sentDues(), ...survivor.sentDues()].sort((a, b) => a - b);
    expect(new Set(dues).size).toBe(dues.length);
    const first = dues[0] as number;
    const last = dues.at(-1) as number;
    for (const due of dues) expect((due - first) % 1000).toBe(0);
    const ticks = (last - first) / 1000 + 1;
    // A send the killed process made just before dying may not have reached its log.
    expect(kit.received.length).toBeGreaterThanOrEqual(dues.length);
    expect(kit.received.length).toBeLessThanOrEqual(Math.min(ticks, dues.length + 1));
    expect(ticks - kit.received.length).toBeLessThanOrEqual(1);
    expect(survivor.sentDues().length).toBeGreaterThanOrEqual(4);
  }, 30_000);
});
