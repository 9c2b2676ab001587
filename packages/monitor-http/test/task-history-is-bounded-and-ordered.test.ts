import type { ClusterEvent } from '@celeriac/core';
import { describe, expect, it } from 'vitest';
import { TaskHistory } from '../src/index.ts';

const base = { name: 'demo.task', hostname: 'w1', timestamp: 1000 };

function sent(taskId: string, timestamp = 1000): ClusterEvent {
  return {
    ...base,
    type: 'task-sent',
    taskId,
    timestamp,
    queue: 'default',
    args: [taskId],
    retries: 0,
    eta: null,
    expires: null,
    parentId: null,
    rootId: taskId,
  };
}

describe('TaskHistory', () => {
  it('keeps at most maxTasks, dropping the ones seen longest ago', () => {
    const history = new TaskHistory(3);
    for (const id of ['a', 'b', 'c', 'd', 'e']) history.apply(sent(id));
    expect(history.size).toBe(3);
    expect(history.list().tasks.map((t) => t.id)).toEqual(['e', 'd', 'c']);
    expect(history.get('a')).toBeUndefined();
  });

  it('does not undo a final state with a late event from another host', () => {
    const history = new TaskHistory();
    history.apply({ ...base, type: 'task-started', taskId: 't', queue: 'default', retries: 0, timestamp: 1002 });
    history.apply({ ...base, type: 'task-succeeded', taskId: 't', result: 1, runtime: 5, timestamp: 1003 });
    history.apply(sent('t', 1001)); // the producer's event arrives last
    history.apply({ ...base, type: 'task-received', taskId: 't', queue: 'default', retries: 0, redelivered: false });
    const t = history.get('t')!;
    expect(t.task).toMatchObject({ state: 'SUCCESS', args: ['t'], result: 1, runtime: 5 });
    expect(t.timeline.map((e) => e.type)).toEqual(['task-started', 'task-succeeded', 'task-sent', 'task-received']);
  });

  it('follows a retry: RETRY, then a new attempt runs', () => {
    const history = new TaskHistory();
    history.apply(sent('r'));
    history.apply({ ...base, type: 'task-started', taskId: 'r', queue: 'default', retries: 0 });
    history.apply({
      ...base,
      type: 'task-retried',
      taskId: 'r',
      retries: 1,
      eta: new Date(2000).toISOString(),
      error: { name: 'Error', message: 'again' },
    });
    expect(history.get('r')!.task).toMatchObject({ state: 'RETRY', retries: 1 });
    history.apply({ ...base, type: 'task-received', taskId: 'r', queue: 'default', retries: 1, redelivered: false });
    history.apply({ ...base, type: 'task-started', taskId: 'r', queue: 'default', retries: 1 });
    expect(history.get('r')!.task.state).toBe('STARTED');
    history.apply({ ...base, type: 'task-progress', taskId: 'r', state: 'PROGRESS', meta: { percent: 50 } });
    expect(history.get('r')!.task).toMatchObject({ state: 'PROGRESS', meta: { percent: 50 } });
  });

  it('caps each timeline', () => {
    const history = new TaskHistory();
    history.apply(sent('p'));
    for (let i = 0; i < 250; i++) {
      history.apply({ ...base, type: 'task-progress', taskId: 'p', state: 'PROGRESS', meta: { percent: i } });
    }
    const { timeline } = history.get('p')!;
    expect(timeline).toHaveLength(100);
    expect(timeline.at(-1)!.detail).toEqual({ state: 'PROGRESS', meta: { percent: 249 } });
  });
});
