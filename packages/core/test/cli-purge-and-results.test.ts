import { afterEach, beforeEach, expect, it } from 'vitest';
import { CliWorld, describeWithRedis, runCli } from './cli-harness.ts';

// The CLI against Redis with no worker running: what waits in a queue, and results not there yet.
describeWithRedis('celeriac without a worker, on Redis', () => {
  let world: CliWorld;

  beforeEach(() => {
    world = new CliWorld();
  });

  afterEach(async () => {
    await world.close();
  });

  it('purge empties a queue and says how many it removed; it asks first, so without a terminal it needs -f', async () => {
    const queue = world.queue('purge');
    for (let i = 0; i < 3; i++) {
      const call = await world.run(['call', 'cli.add', '--args', `[${i}, 1]`, '--queue', queue]);
      expect(call.code, call.stderr).toBe(0);
    }
    const refused = await world.run(['purge', '-Q', queue]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('stdin is not a terminal: pass -f');

    const purged = await world.run(['purge', '-Q', queue, '-f']);
    expect(purged.code, purged.stderr).toBe(0);
    expect(purged.stdout).toBe(`Purged 3 messages from ${queue}.\n`);

    const again = await world.run(['purge', '-Q', queue, '-f', '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ purged: { [queue]: 0 }, total: 0 });
  });

  it('purge of several queues counts each, delayed messages included', async () => {
    const [a, b] = [world.queue('purge-a'), world.queue('purge-b')];
    await world.run(['call', 'cli.add', '--args', '[1, 1]', '--queue', a]);
    await world.run(['call', 'cli.add', '--args', '[1, 1]', '--queue', b, '--countdown', '3600']);
    await world.run(['call', 'cli.add', '--args', '[1, 1]', '--queue', b]);
    const purged = await world.run(['purge', '-Q', `${a},${b}`, '-f']);
    expect(purged.code, purged.stderr).toBe(0);
    expect(purged.stdout.split('\n')).toEqual([
      `Purged 1 message from ${a}.`,
      `Purged 2 messages from ${b}.`,
      '3 messages purged in total.',
      '',
    ]);
  });

  it('call prints the task id; result of a task not run yet prints PENDING, exit code 4', async () => {
    const queue = world.queue('pending');
    const call = await world.run(['call', 'cli.add', '--args', '[1, 2]', '--queue', queue]);
    expect(call.code, call.stderr).toBe(0);
    const id = call.stdout.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    const now = await world.run(['result', id]);
    expect(now.code).toBe(4);
    expect(now.stdout).toBe('PENDING\n');
    expect(now.stderr).toContain('pass --wait');

    const json = await world.run(['result', id, '--json']);
    expect(json.code).toBe(4);
    expect(JSON.parse(json.stdout)).toEqual({ id, state: 'PENDING', ready: false });

    const waited = await world.run(['result', id, '--wait', '--timeout', '300']);
    expect(waited.code).toBe(4);
    expect(waited.stderr).toContain(`Task ${id} did not finish within 300 ms`);
  });

  it('call --json and --task-id: one JSON document with the id given', async () => {
    const call = await world.run([
      'call',
      'cli.add',
      '--args',
      '[1, 2]',
      '--queue',
      world.queue('json'),
      '--task-id',
      'my-task-1',
      '--json',
    ]);
    expect(call.code, call.stderr).toBe(0);
    expect(JSON.parse(call.stdout)).toEqual({ id: 'my-task-1', task: 'cli.add' });
  });

  it('status with no worker: says so on stderr, exit code 4; --json still prints a document', async () => {
    const run = await world.run(['status', '--timeout', '300']);
    expect(run.code).toBe(4);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('No workers replied within 300 ms');
    const json = await world.run(['status', '--timeout', '300', '--json']);
    expect(json.code).toBe(4);
    expect(JSON.parse(json.stdout)).toEqual({ online: 0, workers: {} });
  });

  it('a bare app from --broker talks to the same Redis (inspect prints one JSON document)', async () => {
    const run = await runCli(['inspect', 'registered', '--broker', world.redisUrl, '--timeout', '300', '--json']);
    // Workers of other apps on this Redis (default prefix) may answer: 0 or 4, a JSON object either way.
    expect([0, 4]).toContain(run.code);
    expect(typeof JSON.parse(run.stdout)).toBe('object');
  });
});
