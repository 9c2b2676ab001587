import { randomUUID } from 'node:crypto';
import type { Embed } from '../broker/message.ts';
import { ConfigError } from '../errors/celeriac-error.ts';
import { AsyncResult } from '../result/async-result.ts';
import { GroupResult } from '../result/group-result.ts';
import { type AnySignature, appOf, type Signature } from '../task/signature.ts';
import { groupMembersKey } from './canvas-keys.ts';

type Results<S extends readonly AnySignature[]> = {
  [K in keyof S]: S[K] extends Signature<never, infer R> ? R : unknown;
};

/** Tasks run in parallel; the group's result lists theirs in member order. */
export class Group<R extends unknown[] = unknown[]> {
  readonly tasks: readonly AnySignature[];

  constructor(tasks: readonly AnySignature[]) {
    if (tasks.length === 0) throw new ConfigError('group() needs at least one signature.');
    this.tasks = tasks;
  }

  async applyAsync(): Promise<GroupResult<R>> {
    return (await this.publish(null)).result;
  }

  delay(): Promise<GroupResult<R>> {
    return this.applyAsync();
  }

  /** @internal Publish the members (with a chord callback when given). */
  async publish(chord: Embed['chord']): Promise<{ result: GroupResult<R>; groupId: string }> {
    const app = appOf(...this.tasks);
    const groupId = randomUUID();
    const members = this.tasks.map((signature) => signature.set({ taskId: signature.options.taskId ?? randomUUID() }));
    const ids = members.map((member) => member.options.taskId as string);
    if (app.resultsEnabled) {
      const backend = await app.backend();
      await backend.setIfAbsent(groupMembersKey(groupId), JSON.stringify(ids), app.resultExpires);
    }
    const embed: Embed = { callbacks: null, errbacks: null, chain: null, chord };
    await app.publish(
      members.map((member) => ({
        name: member.task,
        args: member.args,
        call: member.options,
        task: undefined,
        groupId,
        embed,
      })),
    );
    const results = ids.map((id) => new AsyncResult(app, id)) as GroupResult<R>['results'];
    return { result: new GroupResult<R>(groupId, results), groupId };
  }
}

/** `group(a.s(1), a.s(2))` or `group([…])`: run in parallel. */
export function group<S extends AnySignature[]>(...tasks: S | [S]): Group<Results<S>> {
  const list = (tasks.length === 1 && Array.isArray(tasks[0]) ? tasks[0] : tasks) as AnySignature[];
  return new Group<Results<S>>(list);
}
