import { afterEach, beforeEach, expect, it } from 'vitest';
import { CliWorld, describeWithRedis } from './cli-harness.ts';

// `celeriac worker` processes against Redis, driven by the other commands, each its own process.
// Serial: every test starts node processes, which a loaded 2-core machine slows down.
describeWithRedis('celeriac worker and the commands that drive it, on Redis', () => {
  let world: CliWorld;

  beforeEach(() => {
    world = new CliWorld();
  });

  afterEach(async () => {
    await world.close();
  });

  it('worker prints a banner with the queues, concurrency, pool and tasks, then runs tasks sent by call', async () => {
    const queue = world.queue('calls');
    const worker = await world.startWorker(['-Q', `${queue},other`, '-c', '3', '--loglevel', 'warn']);
    const banner = worker.output();
    expect(banner).toContain(`celeriac worker ${worker.hostname}`);
    expect(banner).toMatch(/\.> app:\s+test\/fixtures\/cli-app\.mjs \(export app\)/);
    expect(banner).toMatch(/\.> transport:\s+RedisBroker/);
    expect(banner).toMatch(/\.> concurrency:\s+3 \(async pool, prefetch 3\)/);
    expect(banner).toMatch(/\.> log level:\s+warn/);
    expect(banner).toContain(`[queues]\n  . ${queue}\n  . other\n`);
    expect(banner).toContain('[tasks]\n  . cli.add\n  . cli.fail\n  . cli.sleep\n');

    const call = await world.run([
      'call',
      'cli.add',
      '--args',
      '[2, 3]',
      '--queue',
      queue,
      '--wait',
      '--timeout',
      '15000',
    ]);
    expect(call.code, call.stderr).toBe(0);
    const [id, result] = call.stdout.trim().split('\n');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(result).toBe('5');

    const later = await world.run(['result', id as string, '--wait', '--timeout', '5000']);
    expect(later.code, later.stderr).toBe(0);
    expect(later.stdout).toBe('5\n');
    const json = await world.run(['result', id as string, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ id, state: 'SUCCESS', ready: true, name: 'cli.add', result: 5 });
    expect(JSON.parse(json.stdout).worker).toBe(worker.hostname);
  });

  it('call --wait of a failing task prints the remote error, exit code 1', async () => {
    const queue = world.queue('fail');
    await world.startWorker(['-Q', queue, '-c', '1', '--loglevel', 'silent']);
    const call = await world.run(['call', 'cli.fail', '--args', '["disk full"]', '--queue', queue, '--wait']);
    expect(call.code).toBe(1);
    expect(call.stderr).toMatch(/Task [0-9a-f-]{36} \(cli\.fail\) failed: Error: disk full/);
    expect(call.stderr).toContain('cli-app.mjs');
  });

  it('inspect active shows a running task; control revoke --terminate stops it; result says revoked', async () => {
    const queue = world.queue('active');
    const worker = await world.startWorker(['-Q', queue, '-c', '2', '--loglevel', 'silent']);
    const call = await world.run(['call', 'cli.sleep', '--args', '[60000]', '--queue', queue]);
    expect(call.code, call.stderr).toBe(0);
    const id = call.stdout.trim();

    // Poll until the worker reports it running (it may take a moment to be fetched and started).
    const deadline = Date.now() + 15_000;
    let active: Record<string, { id: string; name: string; args: unknown[] }[]> = {};
    while (!(active[worker.hostname] ?? []).some((task) => task.id === id)) {
      if (Date.now() > deadline) throw new Error(`inspect active never showed ${id}: ${JSON.stringify(active)}`);
      const run = await world.run(['inspect', 'active', '--json', '--timeout', '500']);
      active = JSON.parse(run.stdout);
    }
    expect(active[worker.hostname]?.find((task) => task.id === id)).toMatchObject({ name: 'cli.sleep', args: [60000] });

    const pretty = await world.run(['inspect', 'active', '--timeout', '500']);
    expect(pretty.code).toBe(0);
    const lines = pretty.stdout.split('\n');
    expect(lines[0]).toMatch(/^WORKER\s+ID\s+TASK\s+ARGS\s+QUEUE\s+RETRIES\s+RUNNING$/);
    expect(lines[1]).toMatch(
      new RegExp(`^${worker.hostname}\\s+${id}\\s+cli\\.sleep\\s+\\[60000\\]\\s+${queue}\\s+0\\s+\\d`),
    );
    expect(pretty.stdout).toContain('1 active task on 1 worker.');

    const revoke = await world.run(['control', 'revoke', id, '--terminate']);
    expect(revoke.code, revoke.stderr).toBe(0);
    expect(revoke.stdout).toContain(`Revoked ${id}`);
    const result = await world.run(['result', id, '--wait', '--timeout', '10000']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Task ${id} (cli.sleep) was revoked`);
  });

  it('status lists the worker; inspect stats and registered answer per worker', async () => {
    const queue = world.queue('status');
    const worker = await world.startWorker(['-Q', queue, '-c', '4', '--loglevel', 'silent']);
    const status = await world.run(['status', '--timeout', '500']);
    expect(status.code, status.stderr).toBe(0);
    const [header, row, footer] = status.stdout.trim().split('\n');
    expect(header).toMatch(/^WORKER\s+STATUS\s+PID\s+POOL\s+CONCURRENCY\s+QUEUES\s+ACTIVE\s+PROCESSED\s+UPTIME$/);
    expect(row).toMatch(
      new RegExp(`^${worker.hostname}\\s+OK\\s+${worker.child.pid}\\s+async\\s+4\\s+${queue}\\s+0\\s+0\\s+`),
    );
    expect(footer).toBe('1 worker online.');

    const json = await world.run(['status', '--timeout', '500', '--json']);
    const document = JSON.parse(json.stdout);
    expect(document.online).toBe(1);
    expect(document.workers[worker.hostname]).toMatchObject({ ok: 'pong', stats: { concurrency: 4, queues: [queue] } });

    const registered = await world.run(['inspect', 'registered', '--json', '--timeout', '500']);
    expect(JSON.parse(registered.stdout)).toEqual({ [worker.hostname]: ['cli.add', 'cli.fail', 'cli.sleep'] });
    const stats = await world.run(['inspect', 'stats', '--timeout', '500']);
    expect(stats.stdout).toMatch(
      new RegExp(`^${worker.hostname}\\s+${worker.child.pid}\\s+async\\s+4\\s+${queue}`, 'm'),
    );
  });

  it('the threads pool runs tasks in worker_threads that import the -A module', async () => {
    const queue = world.queue('threads');
    const worker = await world.startWorker(['-Q', queue, '-c', '1', '--pool', 'threads', '--loglevel', 'silent']);
    expect(worker.output()).toMatch(/\.> concurrency:\s+1 \(threads pool, prefetch 1\)/);
    const call = await world.run([
      'call',
      'cli.add',
      '--args',
      '[40, 2]',
      '--queue',
      queue,
      '--wait',
      '--timeout',
      '15000',
    ]);
    expect(call.code, call.stderr).toBe(0);
    expect(call.stdout.trim().split('\n')[1]).toBe('42');
  });

  it('SIGTERM is a warm shutdown: the worker finishes and exits with code 0', async () => {
    const queue = world.queue('sigterm');
    await world.startWorker(['-Q', queue, '-c', '1', '--loglevel', 'silent']);
    expect(await world.stopWorkers()).toEqual([0]);
  });
});
