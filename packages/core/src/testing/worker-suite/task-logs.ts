import { describe, expect, it } from 'vitest';
import { uniqueQueue } from '../helpers/unique-queue.ts';
import type { WorkerSuiteContext } from './context.ts';

/** Lines written with ctx.log are kept with the result, readable with result.logs(). */
export function taskLogsTests(ctx: WorkerSuiteContext): void {
  describe('task logs', () => {
    it('lines written with ctx.log are readable with result.logs() from another app, oldest first', async () => {
      const queue = uniqueQueue('logs');
      const workerApp = await ctx.app('worker');
      workerApp.task(
        'wc.logs',
        (task, name: string) => {
          task.log.info('starting the import');
          task.log.info({ rows: 42 }, 'parsed %s', name);
          task.log.warn('3 rows skipped');
          return 'ok';
        },
        { bind: true, queue },
      );
      await workerApp.worker({ concurrency: 1, queues: [queue], hostname: ctx.hostname('logs') }).start();
      const reader = await ctx.app('reader');

      const result = await reader.sendTask('wc.logs', ['users.csv'], { queue });
      expect(await result.get({ timeout: ctx.ms(5_000) })).toBe('ok');
      const lines = await reader.result(result.id).logs();

      expect(lines).toHaveLength(3);
      expect(lines[0]).toMatch(/INFO .*starting the import/);
      expect(lines[1]).toMatch(/INFO .*parsed users\.csv/);
      expect(lines[1]).toContain('42');
      expect(lines[2]).toMatch(/WARN .*3 rows skipped/);
    });
  });
}
