import type { SignatureJson } from '../broker/message.ts';
import type { Json } from '../json/json.ts';
import type { CallOptions } from './call-options.ts';

/** What a signature needs from its app to be sent. */
export interface SignatureSender {
  sendSignature(signature: SignatureJson, extraArgs: readonly Json[]): Promise<{ id: string }>;
}

/**
 * A task call not made yet: name, arguments and options (Celery's `task.s()`). In a chain, the
 * parent's result is prepended to `args` unless the signature is immutable (`task.si()`).
 */
export class Signature<Args extends unknown[] = unknown[], Result = unknown> {
  readonly task: string;
  readonly args: readonly Json[];
  readonly options: Readonly<Omit<CallOptions, 'link' | 'linkError'>>;
  readonly immutable: boolean;
  readonly #sender: SignatureSender | undefined;
  /** Compile-time only: the task's argument and result types. */
  declare readonly __types?: { args: Args; result: Result };

  constructor(
    task: string,
    args: readonly Json[],
    options: Omit<CallOptions, 'link' | 'linkError'> = {},
    immutable = false,
    sender?: SignatureSender,
  ) {
    this.task = task;
    this.args = args;
    this.options = options;
    this.immutable = immutable;
    this.#sender = sender;
  }

  /** The same signature with more options. */
  set(options: Omit<CallOptions, 'link' | 'linkError'>): Signature<Args, Result> {
    return new Signature(this.task, this.args, { ...this.options, ...options }, this.immutable, this.#sender);
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

  static fromJSON(json: SignatureJson, sender?: SignatureSender): Signature {
    return new Signature(
      json.task,
      json.args,
      { ...(json.options as CallOptions), kwargs: json.kwargs },
      json.immutable,
      sender,
    );
  }
}
