import type { AppInternals } from '../app/internals.ts';
import type { Json } from '../json/json.ts';
import { AsyncResult } from '../result/async-result.ts';
import type { CallOptions } from './call-options.ts';
import type { TaskContext } from './context.ts';
import type { DefineTaskOptions } from './options.ts';
import { Signature } from './signature.ts';

/** What a task's result is once stored: `undefined` becomes `null`. */
// biome-ignore lint/suspicious/noConfusingVoidType: a handler without a return statement is typed void.
export type StoredResult<R> = [Awaited<R>] extends [void]
  ? null
  : Exclude<Awaited<R>, undefined> | (undefined extends Awaited<R> ? null : never);

/**
 * The argument lists `s()` accepts: the whole list, or any tail of it (in a chain the parent's
 * result is prepended to a signature's arguments).
 */
export type Suffixes<T extends unknown[]> = T extends [unknown, ...infer Rest] ? T | Suffixes<Rest> : T;

/** The handler as the worker calls it: always with the context first. */
export type BoundHandler = (ctx: TaskContext, args: unknown[]) => unknown;

/**
 * A registered task, typed by its handler: `delay(...args)` accepts exactly the handler's arguments
 * and `get()` resolves to its return type.
 */
export class Task<Args extends unknown[] = unknown[], Result = unknown> {
  readonly name: string;
  readonly options: Readonly<DefineTaskOptions>;
  /** @internal Called by the worker. */
  readonly run: BoundHandler;
  readonly #app: AppInternals;

  constructor(app: AppInternals, name: string, run: BoundHandler, options: DefineTaskOptions) {
    this.#app = app;
    this.name = name;
    this.run = run;
    this.options = Object.freeze({ ...options });
  }

  /** Send the task with these arguments; resolves once the broker holds the message. */
  delay(...args: Args): Promise<AsyncResult<Result>> {
    return this.applyAsync(args);
  }

  /** Send the task with call options (`countdown`, `eta`, `expires`, `priority`, `queue`, `taskId`, …). */
  async applyAsync(args: Args, options: CallOptions = {}): Promise<AsyncResult<Result>> {
    const [id] = await this.#app.publish([{ name: this.name, args, call: options, task: this.options }]);
    return new AsyncResult<Result>(this.#app, id as string);
  }

  /** Send many calls in one broker round trip (BullMQ's `addBulk`). */
  async applyBulk(argsList: readonly Args[], options: CallOptions = {}): Promise<AsyncResult<Result>[]> {
    if (options.taskId !== undefined && argsList.length > 1) {
      throw new TypeError('applyBulk cannot use one taskId for several calls: leave taskId out.');
    }
    const ids = await this.#app.publish(
      argsList.map((args) => ({ name: this.name, args, call: options, task: this.options })),
    );
    return ids.map((id) => new AsyncResult<Result>(this.#app, id));
  }

  /** A signature: this task with some arguments, to call later or in a canvas. */
  s(...args: Suffixes<Args>): Signature<Args, Result> {
    return new Signature<Args, Result>(this.name, args as Json[], {}, false, this.#app);
  }

  /** An immutable signature: in a chain it ignores the parent's result. */
  si(...args: Args): Signature<Args, Result> {
    return new Signature<Args, Result>(this.name, args as Json[], {}, true, this.#app);
  }
}
