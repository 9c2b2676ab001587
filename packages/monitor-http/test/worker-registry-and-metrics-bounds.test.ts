import type { ClusterEvent } from '@celeriac/core';
import { describe, expect, it } from 'vitest';
import { MonitorMetrics } from '../src/index.ts';
import { MAX_TASK_NAMES } from '../src/metrics.ts';
import { WorkerRegistry } from '../src/workers.ts';

function worker(
  type: 'worker-online' | 'worker-heartbeat' | 'worker-offline',
  hostname: string,
  extra = {},
): ClusterEvent {
  return {
    type,
    hostname,
    timestamp: Date.now(),
    pid: 1,
    queues: ['q'],
    concurrency: 2,
    active: 1,
    processed: 5,
    freq: 2,
    ...extra,
  } as ClusterEvent;
}

describe('WorkerRegistry', () => {
  it('tracks online workers, their counts, and how they went offline', () => {
    const registry = new WorkerRegistry();
    registry.apply(worker('worker-online', 'a'));
    registry.apply(worker('worker-online', 'b'));
    registry.apply(worker('worker-heartbeat', 'a', { active: 2, processed: 9 }));
    expect(registry.onlineCount).toBe(2);
    expect(registry.list().find((w) => w.hostname === 'a')).toMatchObject({
      status: 'online',
      active: 2,
      processed: 9,
    });
    registry.apply(worker('worker-offline', 'b', { expired: true }));
    registry.apply(worker('worker-offline', 'a'));
    expect(registry.onlineCount).toBe(0);
    const [a, b] = registry.list();
    expect(a).toMatchObject({ hostname: 'a', status: 'offline', expired: false, active: 0, processed: 9 });
    expect(b).toMatchObject({ hostname: 'b', status: 'offline', expired: true });
    expect(registry.queues()).toEqual(['q']);
    registry.apply(worker('worker-online', 'a'));
    expect(registry.list()[0]).toMatchObject({ hostname: 'a', status: 'online', offlineAt: null });
  });
});

describe('MonitorMetrics', () => {
  it(`labels at most ${MAX_TASK_NAMES} task names; later ones count as "other"`, async () => {
    const metrics = new MonitorMetrics({
      queues: () => [],
      queueStats: async () => ({ ready: 0, delayed: 0, unacked: 0, dead: 0 }),
      workersOnline: () => 0,
    });
    for (let i = 0; i < MAX_TASK_NAMES + 5; i++) {
      metrics.apply({
        type: 'task-revoked',
        taskId: `t${i}`,
        name: `n${i}`,
        hostname: 'h',
        timestamp: 0,
        reason: 'x',
        terminated: false,
        expired: false,
      });
    }
    const { body } = await metrics.render();
    expect(body).toContain('celeriac_tasks_total{name="other",state="REVOKED"} 5');
    expect(body.match(/^celeriac_tasks_total\{/gm)).toHaveLength(MAX_TASK_NAMES + 1);
  });
});
