import { randomUUID } from 'node:crypto';
import type { SignatureJson } from '../broker/message.ts';
import { ConfigError } from '../errors/celeriac-error.ts';
import { AsyncResult } from '../result/async-result.ts';
import { type AnySignature, appOf, type Signature } from '../task/signature.ts';

type LastResult<S extends readonly Signature<never, unknown>[]> = S extends readonly [
  ...unknown[],
  Signature<never, infer R>,
]
  ? R
  : unknown;

/**
 * Tasks run one after another, each receiving its parent's result as first argument (unless
 * immutable). The chain's result is its last task's; `parent` links lead back to the first.
 */
export class Chain<Result = unknown> {
  readonly tasks: readonly AnySignature[];

  constructor(tasks: readonly AnySignature[]) {
    if (tasks.length === 0) throw new ConfigError('chain() needs at least one signature.');
    this.tasks = tasks;
  }

  async applyAsync(): Promise<AsyncResult<Result>> {
    const app = appOf(...this.tasks);
    // Every link gets its id now, so the caller holds the last one's result before the first runs.
    const links = this.tasks.map((signature) => signature.set({ taskId: signature.options.taskId ?? randomUUID() }));
    const [first, ...rest] = links as [AnySignature, ...AnySignature[]];
    // Celery keeps the remaining chain reversed: the next task is the last element.
    const chain: SignatureJson[] = rest.map((link) => link.toJSON()).reverse();
    await app.publish([
      {
        name: first.task,
        args: first.args,
        call: first.options,
        task: undefined,
        embed: { callbacks: null, errbacks: null, chain: chain.length > 0 ? chain : null, chord: null },
      },
    ]);
    let result: AsyncResult | undefined;
    for (const link of links) result = new AsyncResult(app, link.options.taskId as string, result);
    return result as AsyncResult<Result>;
  }

  delay(): Promise<AsyncResult<Result>> {
    return this.applyAsync();
  }
}

/** `chain(a.s(1), b.s(), c.s())`: run in order, passing results along. */
export function chain<S extends AnySignature[]>(...tasks: S): Chain<LastResult<S>> {
  return new Chain<LastResult<S>>(tasks);
}
