import { describe, expect, it } from 'vitest';
import { assertBuilt, CliWorld, describeWithRedis, runCli } from './cli-harness.ts';

// The beat fixture imports `every` from the build of @celeriac/core: these tests wait for a build with beat.
assertBuilt();
const build = (await import(new URL('../dist/index.js', import.meta.url).href)) as { every?: unknown };
const beatBuilt = typeof build.every === 'function';

// `celeriac beat` as its own process, on Redis, with a worker process running what it sends.
describe.skipIf(!beatBuilt)(
  beatBuilt ? 'celeriac beat' : 'celeriac beat (skipped: this build of @celeriac/core has no beat)',
  () => {
    describeWithRedis('on Redis', () => {
      it('sends the schedule of the -A module; a worker runs what it sends; SIGTERM stops it with code 0', async () => {
        const world = new CliWorld();
        try {
          const queue = world.queue('beat');
          const worker = await world.startWorker(['-Q', queue, '-c', '2', '--loglevel', 'silent']);
          const beat = await world.start(
            ['beat', '-A', 'test/fixtures/cli-beat-app.mjs', '--loglevel', 'warn'],
            'beat',
            'started',
            { env: { CELERIAC_TEST_BEAT_QUEUE: queue } },
          );
          expect(beat.output()).toContain('[schedule]\n  . add-every-second: cli.add every 1s\n');
          expect(beat.output()).toMatch(/beat default started \(leading\)\./);

          // Poll the worker's count until two ticks have run (every(1): about two seconds).
          const deadline = Date.now() + 15_000;
          let processed = 0;
          while (processed < 2) {
            if (Date.now() > deadline)
              throw new Error(`the worker ran ${processed} beat tasks in 15 s:\n${beat.output()}`);
            const status = await world.run(['inspect', 'stats', '--json', '--timeout', '300']);
            processed = Number(JSON.parse(status.stdout)[worker.hostname]?.processed ?? 0);
          }

          beat.child.kill('SIGTERM');
          expect(await beat.exited).toBe(0);
          expect(beat.output()).toContain('SIGTERM: shutting down');
        } finally {
          await world.close();
        }
      });
    });

    it('with a module that exports no schedule says what to export, exit code 2', async () => {
      const run = await runCli(['beat', '-A', 'test/fixtures/cli-app.mjs'], {
        env: { CELERIAC_TEST_PREFIX: 'never-used:' },
      });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('The module "test/fixtures/cli-app.mjs" exports no beat schedule');
      expect(run.stderr).toContain('beatSchedule');
    });
  },
);
