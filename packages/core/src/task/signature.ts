import type { AppInternals } from '../app/internals.ts';
import type { SignatureJson } from '../broker/message.ts';
import { ConfigError } from '../errors/celeriac-error.ts';
import type { Json } from '../json/json.ts';
import { AsyncResult } from '../result/async-result.ts';
import type { CallOptions } from './call-options.ts';

/** Call options a signature may carry (callbacks are given when it is applied). */
export type SignatureOptions = Omit<CallOptions, 'link' | 'linkError'>;

/**
 * A task call not made yet: name, arguments and options (Celery's `task.s()`). In a chain, the
 * parent's result is prepended to `args` unless the signature is immutable (`task.si()`).
 */
export class Signature<Args extends unknown[] = unknown[], Result = unknown> {
  readonly task: string;
  readonly args: readonly Json[];
  readonly options: Readonly<SignatureOptions>;
  readonly immutable: boolean;
  readonly #app: AppInternals | undefined;
  /** Compile-time only: the task's argument and result types. */
  declare readonly __types?: { args: (...args: Args) => void; result: Result };

  constructor(
    task: string,
    args: readonly Json[],
    options: SignatureOptions = {},
    immutable = false,
    app?: AppInternals,
  ) {
    this.task = task;
    this.args = args;
    this.options = options;
    this.immutable = immutable;
    this.#app = app;
  }

  /** The same signature with more options. */
  set(options: SignatureOptions): Signature<Args, Result> {
    return new Signature(this.task, this.args, { ...this.options, ...options }, this.immutable, this.#app);
  }

  /** Send it now, with `extraArgs` prepended (as a chain's parent result is). */
  async applyAsync(extraArgs: readonly Json[] = [], options: CallOptions = {}): Promise<AsyncResult<Result>> {
    const app = appOf(this);
    const args = this.immutable ? this.args : [...extraArgs, ...this.args];
    const [id] = await app.publish([{ name: this.task, args, call: { ...this.options, ...options }, task: undefined }]);
    return new AsyncResult<Result>(app, id as string);
  }

  /** Send it now with its own arguments. */
  delay(): Promise<AsyncResult<Result>> {
    return this.applyAsync();
  }

  toJSON(): SignatureJson {
    const { kwargs, ...options } = this.options;
    return {
      task: this.task,
      args: [...this.args],
      kwargs: kwargs ?? {},
      options: JSON.parse(JSON.stringify(options)) as Record<string, Json>,
      immutable: this.immutable,
    };
  }

  static fromJSON(json: SignatureJson, app?: AppInternals): Signature {
    const options = { ...(json.options as SignatureOptions), kwargs: json.kwargs };
    return new Signature(json.task, json.args, options, json.immutable, app);
  }

  /** @internal The app this signature was made from. */
  static appOf(signature: Signature<never, unknown>): AppInternals | undefined {
    return signature.#app;
  }
}

/** Any signature, whatever its task's types (what canvas functions and `link` accept). */
export type AnySignature = Signature<never, unknown>;

/** The app a signature (or the first of several) belongs to; canvas needs one to publish. */
export function appOf(...signatures: Signature<never, unknown>[]): AppInternals {
  for (const signature of signatures) {
    const app = Signature.appOf(signature);
    if (app !== undefined) return app;
  }
  throw new ConfigError('This signature belongs to no app: make it with task.s() or task.si() of a registered task.');
}
