import { type AsyncResult, Celeriac, type Task, type TaskContext } from '@celeriac/core';
import { describe, expectTypeOf, it } from 'vitest';

// Type tests only: nothing here runs, so the app never connects.
const app = new Celeriac({ broker: 'memory://types' });

describe('task argument types', () => {
  const add = app.task('types.add', (a: number, b: number) => a + b);
  const greet = app.task('types.greet', (name: string, _options?: { loud: boolean }) => `hi ${name}`);

  it('Task is typed by the handler', () => {
    expectTypeOf(add).toEqualTypeOf<Task<[a: number, b: number], number>>();
    expectTypeOf(add.delay).parameters.toEqualTypeOf<[a: number, b: number]>();
    expectTypeOf(add.delay).returns.toEqualTypeOf<Promise<AsyncResult<number>>>();
  });

  it('delay() rejects wrong argument types and counts', () => {
    add.delay(1, 2);
    // @ts-expect-error a string is not a number
    add.delay('1', 2);
    // @ts-expect-error too few arguments
    add.delay(1);
    // @ts-expect-error too many arguments
    add.delay(1, 2, 3);
    greet.delay('ada');
    greet.delay('ada', { loud: true });
    // @ts-expect-error wrong option type
    greet.delay('ada', { loud: 'yes' });
  });

  it('applyAsync() takes the arguments as a tuple and rejects wrong ones', () => {
    add.applyAsync([1, 2], { countdown: 5, priority: 9, queue: 'q', taskId: 'id' });
    // @ts-expect-error a string is not a number
    add.applyAsync([1, '2']);
    // @ts-expect-error arguments are a tuple, not spread
    add.applyAsync(1, 2);
    // @ts-expect-error too few arguments
    add.applyAsync([1]);
    // @ts-expect-error countdown is seconds as a number
    add.applyAsync([1, 2], { countdown: '5' });
    // @ts-expect-error eta is a Date or an ISO string
    add.applyAsync([1, 2], { eta: 123 });
    // @ts-expect-error no such call option
    add.applyAsync([1, 2], { delaySeconds: 5 });
  });

  it('applyBulk() takes a list of argument tuples', () => {
    expectTypeOf(add.applyBulk([[1, 2]])).toEqualTypeOf<Promise<AsyncResult<number>[]>>();
    // @ts-expect-error a string is not a number
    add.applyBulk([['3', 4]]);
  });

  it('a task without parameters takes no arguments', () => {
    const ping = app.task('types.ping', () => 'pong');
    ping.delay();
    // @ts-expect-error no arguments expected
    ping.delay(1);
  });
});

describe('result types', () => {
  it('get() resolves to the handler return type', async () => {
    const add = app.task('types.result.add', (a: number, b: number) => a + b);
    const result = await add.delay(1, 2);
    expectTypeOf(result).toEqualTypeOf<AsyncResult<number>>();
    expectTypeOf(result.get()).toEqualTypeOf<Promise<number>>();
    expectTypeOf(result.get({ timeout: 1_000 })).resolves.toEqualTypeOf<number>();
  });

  it('a Promise-returning handler is unwrapped', async () => {
    const fetchUser = app.task('types.result.async', async (id: string) => ({ id, admin: false }));
    const result = await fetchUser.delay('u1');
    expectTypeOf(result.get()).resolves.toEqualTypeOf<{ id: string; admin: boolean }>();
  });

  it('a void handler resolves to null', async () => {
    const noReturn = app.task('types.result.void', (_n: number) => {});
    const asyncNoReturn = app.task('types.result.asyncvoid', async () => {});
    expectTypeOf((await noReturn.delay(1)).get()).resolves.toEqualTypeOf<null>();
    expectTypeOf((await asyncNoReturn.delay()).get()).resolves.toEqualTypeOf<null>();
  });

  it('a handler that may return undefined resolves to T | null', async () => {
    const maybe = app.task('types.result.maybe', (flag: boolean): string | undefined => (flag ? 'x' : undefined));
    expectTypeOf((await maybe.delay(true)).get()).resolves.toEqualTypeOf<string | null>();
  });

  it('sendTask() returns an untyped AsyncResult unless told', async () => {
    expectTypeOf(app.sendTask('x', [1])).resolves.toEqualTypeOf<AsyncResult<unknown>>();
    expectTypeOf(app.sendTask<number>('x', [1])).resolves.toEqualTypeOf<AsyncResult<number>>();
    expectTypeOf(app.result<string>('id').get()).resolves.toEqualTypeOf<string>();
  });

  it('state() and info() are Promises', async () => {
    const result = app.result('id');
    expectTypeOf(result.state()).resolves.toEqualTypeOf<
      'PENDING' | 'RECEIVED' | 'STARTED' | 'PROGRESS' | 'RETRY' | 'SUCCESS' | 'FAILURE' | 'REVOKED'
    >();
    expectTypeOf(result.ready()).resolves.toEqualTypeOf<boolean>();
  });
});

describe('bind: true', () => {
  it('the handler receives the TaskContext first, and delay() omits it', async () => {
    const resize = app.task(
      'types.bind.resize',
      (ctx, path: string, width: number) => {
        expectTypeOf(ctx).toEqualTypeOf<TaskContext>();
        expectTypeOf(ctx.retry).returns.toBeNever();
        expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>();
        return `${ctx.id}:${path}@${width}`;
      },
      { bind: true },
    );
    expectTypeOf(resize.delay).parameters.toEqualTypeOf<[path: string, width: number]>();
    expectTypeOf((await resize.delay('a.png', 100)).get()).resolves.toEqualTypeOf<string>();
    // @ts-expect-error the context is supplied by the worker, never by the caller
    resize.delay({} as TaskContext, 'a.png', 100);
    // @ts-expect-error width is a number
    resize.applyAsync(['a.png', '100']);
  });

  it('an explicitly typed ctx parameter works too', () => {
    const task = app.task('types.bind.explicit', async (ctx: TaskContext, n: number) => ctx.retries + n, {
      bind: true,
    });
    expectTypeOf(task.delay).parameters.toEqualTypeOf<[n: number]>();
  });

  it('without bind the first parameter is an ordinary argument', () => {
    const plain = app.task('types.bind.none', (first: string) => first.length);
    expectTypeOf(plain.delay).parameters.toEqualTypeOf<[first: string]>();
  });

  it('a handler that does not take a context cannot be registered with bind: true', () => {
    // @ts-expect-error with bind: true the first parameter receives the TaskContext, not a number
    app.task('types.bind.wrong', (n: number) => n, { bind: true });
  });
});

describe('task options', () => {
  it('rejects unknown or mistyped options', () => {
    // @ts-expect-error maxRetries is a number or null
    app.task('types.options.a', () => 1, { maxRetries: '3' });
    // @ts-expect-error autoretryFor takes error classes or a predicate
    app.task('types.options.b', () => 1, { autoretryFor: ['PaymentError'] });
    app.task('types.options.c', () => 1, { autoretryFor: [TypeError], retryBackoff: true, acksLate: false });
    app.task('types.options.d', () => 1, { autoretryFor: (error) => error.message.includes('503') });
  });
});

describe('JSON at compile time (DESIGN: arguments and results are "a Json type at compile time")', () => {
  it('plain data parameters and results compile', () => {
    interface Upload {
      id: string;
      tags: string[];
      size: number | null;
    }
    const task = app.task('types.json.ok', (upload: Upload, meta: { pages: number[] }) => ({ ...upload, meta }));
    task.delay({ id: 'u', tags: [], size: null }, { pages: [1] });
  });

  it('a Date argument does not compile (it would always fail at run time with SerializationError)', () => {
    // @ts-expect-error a Date is not a JSON value
    app.task('types.json.date', (when: Date) => when.getTime()).delay(new Date());
  });

  it('a Date result does not compile (the task would always end in FAILURE)', () => {
    // @ts-expect-error a Date is not a JSON value
    app.task('types.json.result', () => new Date()).delay();
  });
});
