import {
  celeryResultKey,
  errorFromCelery,
  errorToCelery,
  type ResultRecord,
  recordFromCelery,
  recordToCelery,
} from '@celeriac/core';
import { describe, expect, it } from 'vitest';

/** A result meta exactly as Celery 5.2's Redis backend writes it (`result_extended=True`). */
const PYTHON_SUCCESS = {
  status: 'SUCCESS',
  result: 5,
  traceback: null,
  children: [],
  date_done: '2026-12-03T11:09:43.777312',
  name: 'tasks.add',
  args: [2, 3],
  kwargs: {},
  worker: 'celery@host',
  retries: 0,
  queue: 'celery',
  task_id: 'a1',
};

const PYTHON_FAILURE = {
  status: 'FAILURE',
  result: { exc_type: 'ValueError', exc_message: ['boom'], exc_module: 'builtins' },
  traceback: 'Traceback (most recent call last):\n  ...\nValueError: boom\n',
  children: [],
  date_done: '2026-12-03T11:09:43.777312',
  task_id: 'f1',
};

function record(overrides: Partial<ResultRecord> = {}): ResultRecord {
  return {
    taskId: 't1',
    name: 'ts.add',
    state: 'SUCCESS',
    args: [2, 3],
    queue: 'celery',
    result: 5,
    retries: 1,
    worker: 'w1@host',
    dateDone: '2026-12-03T11:09:43.777Z',
    children: ['c1', 'c2'],
    ...overrides,
  };
}

describe('celeryResultKey', () => {
  it('is the key (and channel) Celery keeps a result under', () => {
    expect(celeryResultKey('abc')).toBe('celery-task-meta-abc');
  });
});

describe('recordFromCelery', () => {
  it('reads a SUCCESS meta written by Python (naive UTC date, extended fields)', () => {
    expect(recordFromCelery('a1', PYTHON_SUCCESS)).toEqual({
      taskId: 'a1',
      name: 'tasks.add',
      state: 'SUCCESS',
      result: 5,
      args: [2, 3],
      queue: 'celery',
      worker: 'celery@host',
      retries: 0,
      // Microseconds rounded up, as for an eta: never earlier than Python's time.
      dateDone: '2026-12-03T11:09:43.778Z',
      children: [],
    });
  });

  it('reads a FAILURE meta as the remote error with its traceback', () => {
    const read = recordFromCelery('f1', PYTHON_FAILURE);
    expect(read.state).toBe('FAILURE');
    expect(read.name).toBeNull();
    expect(read.error).toEqual({ name: 'ValueError', message: 'boom', stack: PYTHON_FAILURE.traceback });
    expect(read.result).toBeUndefined();
  });

  it('reads a meta without extended fields (result_extended off)', () => {
    const read = recordFromCelery('p1', { status: 'STARTED', result: { pid: 7, hostname: 'h' }, children: [] });
    expect(read).toEqual({
      taskId: 'p1',
      name: null,
      state: 'STARTED',
      retries: 0,
      dateDone: null,
      meta: { pid: 7, hostname: 'h' },
      children: [],
    });
  });

  it('reads a custom state (update_state) as PROGRESS with its meta', () => {
    const read = recordFromCelery('c1', { status: 'CRUNCHING', result: { done: 3 }, date_done: null });
    expect(read.state).toBe('PROGRESS');
    expect(read.meta).toEqual({ done: 3 });
  });

  it('reads a RETRY without an exception as a RETRY without an error', () => {
    const read = recordFromCelery('r1', { status: 'RETRY', result: null, traceback: null });
    expect(read.state).toBe('RETRY');
    expect(read.error).toBeUndefined();
  });

  it('reads children tuples, parent and group ids', () => {
    const read = recordFromCelery('x', {
      status: 'SUCCESS',
      result: null,
      children: [
        [['k1', null], null],
        [['k2', ['p', null]], null],
      ],
      parent_id: 'p',
      group_id: 'g',
    });
    expect(read.children).toEqual(['k1', 'k2']);
    expect(read.parentId).toBe('p');
    expect(read.groupId).toBe('g');
  });

  it('throws on a meta that is not an object', () => {
    expect(() => recordFromCelery('x', 'SUCCESS')).toThrow(/celery-task-meta-x is not an object/);
    expect(() => recordFromCelery('x', null)).toThrow();
    expect(() => recordFromCelery('x', [1])).toThrow();
  });
});

describe('recordToCelery', () => {
  it('writes the fields Celery reads, with a date Python 3.10 parses', () => {
    expect(recordToCelery(record())).toEqual({
      status: 'SUCCESS',
      result: 5,
      traceback: null,
      children: [
        [['c1', null], null],
        [['c2', null], null],
      ],
      date_done: '2026-12-03T11:09:43.777000+00:00',
      task_id: 't1',
      name: 'ts.add',
      args: [2, 3],
      kwargs: null,
      worker: 'w1@host',
      retries: 1,
      queue: 'celery',
    });
  });

  it('writes a failure as exc_type / exc_message / exc_module and the stack as traceback', () => {
    const meta = recordToCelery(
      record({
        state: 'FAILURE',
        result: undefined,
        error: { name: 'TypeError', message: 'x is not a function', stack: 'TypeError: x\n    at f' },
      }),
    );
    expect(meta.status).toBe('FAILURE');
    expect(meta.result).toEqual({
      exc_type: 'TypeError',
      exc_message: ['x is not a function'],
      exc_module: 'builtins',
    });
    expect(meta.traceback).toBe('TypeError: x\n    at f');
  });

  it('writes a FAILURE that has no error as a plain Exception, which Python can raise', () => {
    const meta = recordToCelery(record({ state: 'FAILURE', result: undefined }));
    expect(meta.result).toEqual({ exc_type: 'Exception', exc_message: ['unknown error'], exc_module: 'builtins' });
  });

  it('writes REVOKED as celery.exceptions.TaskRevokedError', () => {
    const meta = recordToCelery(
      record({
        state: 'REVOKED',
        result: undefined,
        error: { name: 'TaskRevokedError', message: 'Task t1 was revoked.' },
      }),
    );
    expect(meta.result).toEqual({
      exc_type: 'TaskRevokedError',
      exc_message: ['Task t1 was revoked.'],
      exc_module: 'celery.exceptions',
    });
  });

  it('writes progress meta as the result, with no date while not ready', () => {
    const meta = recordToCelery(
      record({ state: 'PROGRESS', result: undefined, meta: { percent: 40 }, dateDone: null }),
    );
    expect(meta.result).toEqual({ percent: 40 });
    expect(meta.date_done).toBeNull();
  });

  it('writes parent and group ids only when set', () => {
    expect(recordToCelery(record({ parentId: null, groupId: null }))).not.toHaveProperty('parent_id');
    expect(recordToCelery(record({ parentId: 'p', groupId: 'g' }))).toMatchObject({ parent_id: 'p', group_id: 'g' });
  });

  it('round-trips through recordFromCelery', () => {
    const failed = record({
      state: 'FAILURE',
      result: undefined,
      error: { name: 'ValueError', message: 'm', stack: 's' },
    });
    const unknown = record({
      state: 'FAILURE',
      result: undefined,
      error: { name: 'UnknownTaskError', message: 'u', stack: 's' },
    });
    for (const original of [record(), failed, unknown]) {
      const back = recordFromCelery(original.taskId, JSON.parse(JSON.stringify(recordToCelery(original))));
      expect(back).toEqual(original);
    }
  });
});

describe('errorToCelery / errorFromCelery', () => {
  it('maps Python builtins and Celery exceptions to their modules, others to none', () => {
    expect(errorToCelery({ name: 'ValueError', message: 'v' }).exc_module).toBe('builtins');
    expect(errorToCelery({ name: 'SoftTimeLimitExceeded', message: 's' }).exc_module).toBe('celery.exceptions');
    expect(errorToCelery({ name: 'PaymentError', message: 'p' })).toEqual({
      exc_type: 'PaymentError',
      exc_message: ['p'],
      exc_module: null,
    });
  });

  it("writes an unknown task as Celery's NotRegistered, and reads NotRegistered back as UnknownTaskError", () => {
    const message = 'Unknown task "ts.nope": task "ts.nope" is not registered on worker w1@host (queue celery)';
    expect(errorToCelery({ name: 'UnknownTaskError', message, stack: 'UnknownTaskError: …' })).toEqual({
      exc_type: 'NotRegistered',
      exc_message: [message],
      exc_module: 'celery.exceptions',
    });
    // What Celery 5.2's worker stores for a task it does not have (`NotRegistered(name)`).
    expect(
      errorFromCelery(
        { exc_type: 'NotRegistered', exc_message: ['tasks.nope'], exc_module: 'celery.exceptions' },
        null,
      ),
    ).toEqual({ name: 'UnknownTaskError', message: 'tasks.nope' });
    // Only Celery's own class is renamed.
    expect(
      errorFromCelery({ exc_type: 'NotRegistered', exc_message: ['x'], exc_module: 'myapp.errors' }, null).name,
    ).toBe('NotRegistered');
  });

  it("writes Celery's other task exceptions under celery.exceptions", () => {
    expect(errorToCelery({ name: 'MaxRetriesExceededError', message: 'm' }).exc_module).toBe('celery.exceptions');
    expect(errorToCelery({ name: 'WorkerLostError', message: 'w' }).exc_module).toBe('celery.exceptions');
  });

  it('turns a name Python cannot use as a class name into Exception', () => {
    expect(errorToCelery({ name: 'my-error', message: 'm' }).exc_type).toBe('Exception');
    expect(errorToCelery({ name: '', message: 'm' }).exc_type).toBe('Exception');
  });

  it('joins several exception arguments and keeps non-string ones as JSON', () => {
    expect(errorFromCelery({ exc_type: 'KeyError', exc_message: ['a', 2, { b: 1 }] }, null)).toEqual({
      name: 'KeyError',
      message: 'a, 2, {"b":1}',
    });
  });

  it('reads an exc_message given as a plain string, and a non-object value', () => {
    expect(errorFromCelery({ exc_type: 'E', exc_message: 'text' }, 'tb')).toEqual({
      name: 'E',
      message: 'text',
      stack: 'tb',
    });
    expect(errorFromCelery('boom', undefined)).toEqual({ name: 'Exception', message: 'boom' });
  });
});
