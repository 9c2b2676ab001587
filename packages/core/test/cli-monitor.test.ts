import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { CliWorld, describeWithRedis, FIXTURE, runCli } from './cli-harness.ts';

const MONITOR_BUILD = fileURLToPath(new URL('../../monitor-http/dist/index.js', import.meta.url));

// `celeriac monitor` loads @celeriac/monitor-http by dynamic import; its own tests cover what it serves.
describeWithRedis('celeriac monitor, on Redis', () => {
  it.skipIf(!existsSync(MONITOR_BUILD))(
    'serves @celeriac/monitor-http for the -A app, with the token asked for; SIGTERM stops it with code 0',
    async () => {
      const world = new CliWorld();
      try {
        const monitor = await world.start(
          ['monitor', '-A', FIXTURE, '--port', '0', '--loglevel', 'warn'],
          'monitor',
          'listening on http://',
          { env: { CELERIAC_MONITOR_TOKEN: 'cli-test-token' } },
        );
        const url = /listening on (http:\/\/\S+)/.exec(monitor.output())?.[1] as string;
        expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
        expect((await fetch(new URL('api/workers', url))).status).toBe(401);
        const authorized = await fetch(new URL('api/workers', url), {
          headers: { authorization: 'Bearer cli-test-token' },
        });
        expect(authorized.status).toBe(200);
        monitor.child.kill('SIGTERM');
        expect(await monitor.exited).toBe(0);
      } finally {
        await world.close();
      }
    },
  );
});

it.skipIf(existsSync(MONITOR_BUILD))(
  'without a build of @celeriac/monitor-http, monitor names the package, exit code 2',
  async () => {
    const run = await runCli(['monitor', '-A', FIXTURE, '--port', '0']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('@celeriac/monitor-http');
  },
);
