import { AsyncResult, TaskFailedError, TimeoutError } from '@celeriac/core';
import { afterEach, describe, expect, it } from 'vitest';
import { closeApps, deferred, makeApp, uniqueMemoryUrl } from './helpers.ts';

class PaymentError extends Error {
  override name = 'PaymentError';
}

afterEach(closeApps);

describe('calling a task and reading its result', () => {
  it('delay() and applyAsync() send the call and get() resolves to the handler result', async () => {
    const app = makeApp();
    const add = app.task('math.add', (a: number, b: number) => a + b);
    await app.worker({ concurrency: 2 }).start();

    const viaDelay = await add.delay(2, 3);
    const viaApply = await add.applyAsync([10, 20]);

    expect(viaDelay).toBeInstanceOf(AsyncResult);
    expect(viaDelay.id).not.toBe(viaApply.id);
    expect(await viaDelay.get({ timeout: 5_000 })).toBe(5);
    expect(await viaApply.get({ timeout: 5_000 })).toBe(30);
    expect(await viaDelay.state()).toBe('SUCCESS');
  });

  it('an async handler is awaited and its resolved value is the result', async () => {
    const app = makeApp();
    const greet = app.task('greet', async (name: string) => {
      await Promise.resolve();
      return { greeting: `hello ${name}` };
    });
    await app.worker({ concurrency: 1 }).start();

    expect(await (await greet.delay('ada')).get({ timeout: 5_000 })).toEqual({ greeting: 'hello ada' });
  });

  it('sendTask() by name from a second app that does not hold the task reaches the worker app', async () => {
    const url = uniqueMemoryUrl('send-task');
    const workerApp = makeApp({ broker: url });
    workerApp.task('reports.build', (year: number) => `report-${year}`);
    await workerApp.worker({ concurrency: 1 }).start();

    const producer = makeApp({ broker: url });
    expect(producer.getTask('reports.build')).toBeUndefined();
    const result = await producer.sendTask('reports.build', [2024]);

    expect(await result.get({ timeout: 5_000 })).toBe('report-2024');
    expect(await result.state()).toBe('SUCCESS');
  });

  it('app.result(id) rebuilds a handle on the same task, from another app too', async () => {
    const url = uniqueMemoryUrl('rebuild');
    const app = makeApp({ broker: url });
    const square = app.task('square', (n: number) => n * n);
    await app.worker({ concurrency: 1 }).start();
    const sent = await square.delay(7);

    const rebuilt = app.result<number>(sent.id);
    const elsewhere = makeApp({ broker: url }).result<number>(sent.id);

    expect(rebuilt.id).toBe(sent.id);
    expect(await rebuilt.get({ timeout: 5_000 })).toBe(49);
    expect(await elsewhere.get({ timeout: 5_000 })).toBe(49);
    expect(JSON.parse(JSON.stringify(rebuilt))).toEqual({ id: sent.id });
  });

  it('state() is PENDING and info() null for an id the backend has never seen', async () => {
    const app = makeApp();
    const unknown = app.result('no-such-task-id');

    expect(await unknown.state()).toBe('PENDING');
    expect(await unknown.info()).toBeNull();
    expect(await unknown.ready()).toBe(false);
  });

  it('info() is the result on SUCCESS and { name, message, stack } on FAILURE', async () => {
    const app = makeApp();
    const ok = app.task('ok', () => ({ total: 3 }));
    const charge = app.task('charge', (): number => {
      throw new PaymentError('card declined');
    });
    await app.worker({ concurrency: 2 }).start();

    const good = await ok.delay();
    const bad = await charge.delay();
    await good.get({ timeout: 5_000 });
    await expect(bad.get({ timeout: 5_000 })).rejects.toThrow(TaskFailedError);

    expect(await good.info()).toEqual({ total: 3 });
    expect(await bad.state()).toBe('FAILURE');
    const info = (await bad.info()) as { name: string; message: string; stack?: string };
    expect(info.name).toBe('PaymentError');
    expect(info.message).toBe('card declined');
    expect(info.stack).toContain('card declined');
  });

  it('ready() turns true only once the task has finished', async () => {
    const app = makeApp();
    const gate = deferred();
    const started = deferred();
    const slow = app.task('slow', async () => {
      started.resolve();
      await gate.promise;
      return 'done';
    });
    const result = await slow.delay();
    expect(await result.ready()).toBe(false);

    await app.worker({ concurrency: 1 }).start();
    await started.promise;
    expect(await result.ready()).toBe(false);
    expect(await result.state()).toBe('STARTED');

    gate.resolve();
    await result.get({ timeout: 5_000 });
    expect(await result.ready()).toBe(true);
  });

  it('forget() deletes the stored result, so the id reads as PENDING again', async () => {
    const app = makeApp();
    const one = app.task('one', () => 1);
    await app.worker({ concurrency: 1 }).start();
    const result = await one.delay();
    await result.get({ timeout: 5_000 });
    expect(await result.state()).toBe('SUCCESS');

    await result.forget();

    expect(await result.state()).toBe('PENDING');
    expect(await result.record()).toBeNull();
  });

  it('get({ timeout }) rejects with TimeoutError when no worker runs the task', async () => {
    const app = makeApp();
    const never = app.task('never.run', () => 'x');
    const result = await never.delay();
    const before = Date.now();

    const error = await result.get({ timeout: 150 }).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).message).toContain(result.id);
    expect((error as TimeoutError).message).toContain('PENDING');
    expect(Date.now() - before).toBeGreaterThanOrEqual(140);
  });

  it('TaskFailedError carries the remote error name, message, stack and the task id', async () => {
    const app = makeApp();
    const charge = app.task('billing.charge', (amount: number): number => {
      throw new PaymentError(`cannot charge ${amount}`);
    });
    await app.worker({ concurrency: 1 }).start();
    const result = await charge.delay(42);

    const error = await result.get({ timeout: 5_000 }).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(TaskFailedError);
    const failed = error as TaskFailedError;
    expect(failed.taskId).toBe(result.id);
    expect(failed.remote.name).toBe('PaymentError');
    expect(failed.remote.message).toBe('cannot charge 42');
    expect(failed.remote.stack).toContain('PaymentError: cannot charge 42');
    // The stack is the worker's, pointing into the handler's file.
    expect(failed.remote.stack).toContain('calling-and-results.test.ts');
    expect(failed.message).toContain('PaymentError');
    expect(failed.message).toContain('cannot charge 42');
  });

  it('a handler that returns undefined stores null', async () => {
    const app = makeApp();
    const fireAndForget = app.task('side.effect', (_n: number) => {
      // no return statement
    });
    await app.worker({ concurrency: 1 }).start();
    const result = await fireAndForget.delay(1);

    expect(await result.get({ timeout: 5_000 })).toBeNull();
    const record = await result.record();
    expect(record?.state).toBe('SUCCESS');
    expect(record).toHaveProperty('result', null);
  });
});
