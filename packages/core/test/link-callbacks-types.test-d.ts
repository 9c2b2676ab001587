import { Celeriac, chain } from '@celeriac/core';
import { describe, it } from 'vitest';

// Type tests only: nothing here runs, so the app never connects.
const app = new Celeriac({ broker: 'memory://link-types' });

const add = app.task('types.link.add', (a: number, b: number) => a + b);
const record = app.task('types.link.record', (sum: number) => sum);
const notify = app.task('types.link.notify', (sum: number, channel: string) => `${channel}: ${sum}`);
const onError = app.task('types.link.on.error', (failedTaskId: string) => failedTaskId);
const untyped = app.task('types.link.untyped', (...args: unknown[]) => args.length);

describe('link / linkError accept signatures of typed tasks', () => {
  it('a signature of a task with `unknown` parameters is accepted', () => {
    add.applyAsync([1, 2], { link: untyped.s(), linkError: untyped.s() });
  });

  it('a signature of a task with typed parameters is accepted too, as chain() accepts it', () => {
    chain(add.s(1, 2), record.s());
    add.applyAsync([1, 2], { link: record.s() });
    add.applyAsync([1, 2], { link: [record.s(), record.s()], linkError: onError.s() });
  });
});

describe('s() takes the trailing arguments (the parent result is prepended to them)', () => {
  it("notify(sum, channel).s('email') after a task returning the sum", () => {
    chain(add.s(1, 2), notify.s('email'));
    // The full argument list still works for a first link.
    notify.s(3, 'email');
  });
});
