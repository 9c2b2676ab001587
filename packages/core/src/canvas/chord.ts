import { randomUUID } from 'node:crypto';
import { ConfigError } from '../errors/celeriac-error.ts';
import { AsyncResult } from '../result/async-result.ts';
import { type AnySignature, appOf, type Signature } from '../task/signature.ts';
import { CHORD_SIZE_OPTION } from './canvas-keys.ts';
import { Group } from './group.ts';

/**
 * A group and a callback that runs once, after every member succeeded, with their results in
 * member order. A failing member fails the callback's result instead. Counting happens in the
 * result backend, atomically, so members on many workers complete it exactly once.
 */
export class Chord<Result = unknown> {
  readonly header: Group;
  readonly body: AnySignature;

  constructor(header: Group, body: AnySignature) {
    this.header = header;
    this.body = body;
  }

  async applyAsync(): Promise<AsyncResult<Result>> {
    const app = appOf(this.body, ...this.header.tasks);
    if (!app.resultsEnabled) {
      throw new ConfigError('A chord needs a result backend to count its members: give the app a `backend`.');
    }
    const callbackId = this.body.options.taskId ?? randomUUID();
    const callback = this.body.set({ taskId: callbackId }).toJSON();
    callback.options[CHORD_SIZE_OPTION] = this.header.tasks.length;
    await this.header.publish(callback);
    return new AsyncResult<Result>(app, callbackId);
  }

  delay(): Promise<AsyncResult<Result>> {
    return this.applyAsync();
  }
}

/** `chord(group(...), callback.s())`, or `chord([...signatures], callback.s())`. */
export function chord<R>(header: Group | AnySignature[], body: Signature<never, R>): Chord<R> {
  return new Chord<R>(header instanceof Group ? header : new Group(header), body as AnySignature);
}
