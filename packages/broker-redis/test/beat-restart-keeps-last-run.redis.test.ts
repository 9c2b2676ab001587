import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '@celeriac/core/testing';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { BeatKit } from './beat-processes.ts';
import { describeRedis } from './helpers.ts';

describeRedis('beat: restarts keep the last-run time in Redis', () => {
  let kit: BeatKit;
  beforeEach(() => {
    kit = new BeatKit();
  });
  afterEach(() => kit.close());

  it('a beat SIGKILLed right after a tick and started again sends the next tick, not that one again', async () => {
    await kit.startWorker();
    const first = await kit.spawnBeat({ every: 2, lockTtl: 1 });
    await waitFor(() => first.sentDues().length === 1, { timeout: 5_000, message: 'the first tick' });
    await kit.kill(first);
    const [sent] = first.sentDues() as [number];
    // The kill may land after the send but before the last-run time is written: then the tick's
    // claim is what stops the restarted beat from sending it again.
    expect([sent - 2_000, sent]).toContain(await kit.lastRun('tick'));

    const second = await kit.spawnBeat({ every: 2, lockTtl: 1 });
    await waitFor(() => second.sentDues().length === 1, { timeout: 5_000, message: 'a tick from the restarted beat' });
    expect(second.sentDues()[0]).toBe(sent + 2_000);
    await waitFor(() => kit.received.length === 2, { timeout: 2_000, message: 'both ticks received' });
    await sleep(300);
    expect(kit.received).toHaveLength(2);
  }, 30_000);

  it("ticks that fell due while no beat ran give one catch-up run at restart (catchUp 'once'), then the rhythm goes on", async () => {
    await kit.startWorker();
    const first = await kit.spawnBeat({ every: 1 });
    await waitFor(() => first.sentDues().length === 1, { timeout: 5_000, message: 'the first tick' });
    first.child.kill('SIGTERM'); // graceful: releases the lock
    await first.exited;
    const [sent] = first.sentDues() as [number];
    await sleep(3_500); // three or four ticks fall due while down

    const second = await kit.spawnBeat({ every: 1 });
    const restartedAt = Date.now();
    await waitFor(() => second.sentDues().length === 2, { timeout: 5_000, message: 'catch-up and next tick' });
    const [catchUp, next] = second.sentDues() as [number, number];
    expect(catchUp - sent).toBeGreaterThanOrEqual(3_000);
    expect(catchUp).toBeLessThanOrEqual(restartedAt);
    expect((catchUp - sent) % 1000).toBe(0);
    expect(next).toBe(catchUp + 1_000);
    expect(second.lines.map((line) => line.msg)).toContain(
      "beat sends one run of tick for its missed ticks (catchUp: 'once')",
    );
    await waitFor(() => kit.received.length >= 3, { timeout: 2_000, message: 'three ticks received' });
    expect(kit.received).toHaveLength(3);
  }, 30_000);

  it("with catchUp 'skip' a restarted beat sends none of the ticks missed while down and waits for the next", async () => {
    await kit.startWorker();
    // As if a beat sent a tick of every(4) 6.5 s ago and stopped: the tick 2.5 s ago was missed.
    const last = Date.now() - 6_500;
    await kit.setLastRun('tick', last);
    const beat = await kit.spawnBeat({ every: 4, catchUp: 'skip' });
    await waitFor(() => beat.sentDues().length === 1, { timeout: 5_000, message: 'the next tick' });
    expect(beat.sentDues()[0]).toBe(last + 8_000);
    expect(beat.lines.map((line) => line.msg)).toContain("beat skips the missed ticks of tick (catchUp: 'skip')");
    await waitFor(() => kit.received.length === 1, { timeout: 2_000, message: 'one tick received' });
    await sleep(300);
    expect(kit.received).toHaveLength(1);
  }, 30_000);
});
