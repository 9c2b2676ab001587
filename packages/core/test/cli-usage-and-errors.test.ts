import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FIXTURE, runCli } from './cli-harness.ts';

// These spawn the built binary but need no server: an unreachable broker is a closed port.
const COMMANDS = ['worker', 'beat', 'monitor', 'inspect', 'control', 'purge', 'call', 'result', 'status'];
const NO_BROKER_ENV = { CELERIAC_BROKER_URL: '', CELERIAC_RESULT_BACKEND: '' };

describe('celeriac usage', () => {
  it('--help lists every command and the exit codes, exit code 0', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    for (const name of COMMANDS) expect(run.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    expect(run.stdout).toContain('Exit codes: 0 ok');
  });

  it('every command has its own --help, exit code 0', async () => {
    const runs = await Promise.all(COMMANDS.map((name) => runCli([name, '--help'])));
    runs.forEach((run, i) => {
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout.startsWith(`Usage: celeriac ${COMMANDS[i]}`)).toBe(true);
      expect(run.stdout).toContain('-h, --help');
    });
    expect(runs[0]?.stdout).toContain('--concurrency <n>');
  });

  it('no command prints the usage on stderr, exit code 2', async () => {
    const run = await runCli([]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('Usage: celeriac <command>');
  });

  it('an unknown command prints the usage, suggests a close name, exit code 2', async () => {
    const run = await runCli(['stauts']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown command "stauts". Did you mean "status"?');
    expect(run.stderr).toContain('Usage: celeriac <command>');
  });

  it('an unknown option names it and points at --help, exit code 2', async () => {
    const run = await runCli(['status', '--frobnicate']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("Unknown option '--frobnicate'");
    expect(run.stderr).toContain('celeriac status --help');
  });

  it('--version prints the version of @celeriac/core', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    const run = await runCli(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(version);
  });

  it('bad values are usage errors that say what is expected', async () => {
    const [concurrency, pool, args, kwargs, timeout] = await Promise.all([
      runCli(['worker', '-A', FIXTURE, '-c', '0']),
      runCli(['worker', '-A', FIXTURE, '--pool', 'forks']),
      runCli(['call', 'x', '--args', '{"a":1}', '--broker', 'memory://']),
      runCli(['call', 'x', '--kwargs', '[1', '--broker', 'memory://']),
      runCli(['result', 'some-id', '--timeout', '10', '--broker', 'memory://']),
    ]);
    expect([concurrency.code, pool.code, args.code, kwargs.code, timeout.code]).toEqual([2, 2, 2, 2, 2]);
    expect(concurrency.stderr).toContain('--concurrency must be an integer ≥ 1, got "0"');
    expect(pool.stderr).toContain('--pool must be async or threads');
    expect(args.stderr).toContain('--args must be a JSON array');
    expect(kwargs.stderr).toContain('--kwargs is not valid JSON');
    expect(timeout.stderr).toContain('--timeout goes with --wait');
  });
});

describe('celeriac -A', () => {
  it('a module path that does not exist: exit code 2, the message names the path and what to pass', async () => {
    const run = await runCli(['status', '-A', './no/such/app.mjs']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('Cannot load the app module "./no/such/app.mjs"');
    expect(run.stderr).toMatch(/\/no\/such\/app\.mjs does not exist/);
    expect(run.stderr).toContain('-A ./dist/app.js');
  });

  it('a path without its extension suggests the file that exists', async () => {
    const run = await runCli(['inspect', 'active', '-A', FIXTURE.replace(/\.mjs$/, '')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`Did you mean -A ${FIXTURE}?`);
  });

  it('a module without an app: exit code 2, the message names the module and its exports', async () => {
    const run = await runCli(['status', '-A', 'test/fixtures/cli-no-app.mjs']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('The module "test/fixtures/cli-no-app.mjs" does not export a Celeriac app');
    expect(run.stderr).toContain('exports found: default, notAnApp');
  });

  it('options may come before the command, as with Celery (celeriac -A x worker)', async () => {
    const run = await runCli(['-A', './no/such/app.mjs', 'worker']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Cannot load the app module "./no/such/app.mjs"');
  });

  it('-A and --broker together are a usage error', async () => {
    const run = await runCli(['status', '-A', FIXTURE, '--broker', 'redis://127.0.0.1:6379']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('either -A <module> or --broker');
  });

  it('worker, beat and monitor without -A say they need the module', async () => {
    const worker = await runCli(['worker'], { env: NO_BROKER_ENV });
    expect(worker.code).toBe(2);
    expect(worker.stderr).toContain('pass -A <module>');
  });

  it('no app and no broker: exit code 2, naming -A, --broker and CELERIAC_BROKER_URL', async () => {
    const run = await runCli(['status'], { env: NO_BROKER_ENV });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('pass -A <module>');
    expect(run.stderr).toContain('CELERIAC_BROKER_URL');
  });
});

describe('celeriac and its broker', () => {
  it('an unreachable broker: exit code 3 within seconds, naming the URL with its password masked', async () => {
    const run = await runCli(['status', '--broker', 'redis://:hunter2@127.0.0.1:1']);
    expect(run.code).toBe(3);
    expect(run.ms).toBeLessThan(11_000);
    expect(run.stderr).toContain('redis://:****@127.0.0.1:1');
    expect(run.stderr).not.toContain('hunter2');
  });

  it("the -A app's unreachable broker: exit code 3, naming its masked URL", async () => {
    const run = await runCli(['inspect', 'active', '-A', FIXTURE], {
      env: { REDIS_URL: 'redis://:hunter2@127.0.0.1:1', CELERIAC_TEST_PREFIX: 'never-used:' },
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('Cannot reach');
    expect(run.stderr).toContain('redis://:****@127.0.0.1:1');
    expect(run.stderr).not.toContain('hunter2');
  });

  it('the broker URL can come from CELERIAC_BROKER_URL', async () => {
    const run = await runCli(['status'], { env: { CELERIAC_BROKER_URL: 'redis://127.0.0.1:1' } });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('redis://127.0.0.1:1');
  });

  it('memory:// cannot reach another process: call, inspect and status say so, exit code 2', async () => {
    const runs = await Promise.all([
      runCli(['call', 'cli.add', '--args', '[1, 2]', '--broker', 'memory://']),
      runCli(['inspect', 'active', '--broker', 'memory://']),
      runCli(['status', '--broker', 'memory://']),
    ]);
    for (const run of runs) {
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('is in-process (memory://)');
      expect(run.stderr).toContain('redis://');
    }
  });

  it('an unsupported URL scheme is a configuration error, exit code 2', async () => {
    const run = await runCli(['status', '--broker', 'kafka://localhost:9092']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Unsupported broker URL kafka://localhost:9092');
  });
});

describe('celeriac monitor', () => {
  it('refuses a non-loopback host without auth, naming the flags that fix it, exit code 2', async () => {
    const run = await runCli(['monitor', '-A', FIXTURE, '--host', '0.0.0.0']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Refusing to serve the monitor on 0.0.0.0 without authentication');
    expect(run.stderr).toContain('--token or --basic-auth');
  });
});
