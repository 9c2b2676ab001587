import type { Logger } from 'pino';
import type { PublishRequest } from '../app/producer.ts';
import type { ResultBackend } from '../backend/result-backend.ts';
import type { Embed, SignatureJson } from '../broker/message.ts';
import {
  CHORD_SIZE_OPTION,
  chordCounterKey,
  chordFailedKey,
  chordMemberKey,
  groupMembersKey,
} from '../canvas/canvas-keys.ts';
import { coerceError } from '../errors/coerce-error.ts';
import type { RemoteError } from '../errors/task-errors.ts';
import type { Json } from '../json/json.ts';
import { Signature } from '../task/signature.ts';
import type { ExecutionContext } from './execution-context.ts';

/** What canvas steps need from the worker. */
export interface CanvasHost {
  readonly logger: Logger;
  readonly backend: ResultBackend | undefined;
  readonly hostname: string;
  /** Seconds. */
  readonly resultExpires: number;
  publish(requests: readonly PublishRequest[]): Promise<string[]>;
}

/** What follows a task in a canvas: link callbacks, the next chain link, the chord callback. */
export class CanvasSteps {
  readonly #host: CanvasHost;

  constructor(host: CanvasHost) {
    this.#host = host;
  }

  /** True when a finished task has anything to trigger. */
  static pending(embed: Embed): boolean {
    return (
      (embed.callbacks !== null && embed.callbacks.length > 0) ||
      (embed.errbacks !== null && embed.errbacks.length > 0) ||
      (embed.chain !== null && embed.chain.length > 0) ||
      embed.chord !== null
    );
  }

  async succeeded(ctx: ExecutionContext, embed: Embed, result: Json): Promise<void> {
    const requests: PublishRequest[] = [];
    for (const json of embed.callbacks ?? []) requests.push(this.#request(json, [result], ctx));
    const chain = embed.chain;
    if (chain !== null && chain.length > 0) {
      // The next link is the last element; it carries the rest of the chain on.
      const next = this.#request(chain[chain.length - 1] as SignatureJson, [result], ctx);
      const rest = chain.slice(0, -1);
      next.embed = { callbacks: null, errbacks: null, chain: rest.length > 0 ? rest : null, chord: null };
      requests.push(next);
    }
    if (embed.chord !== null && ctx.groupId !== null) {
      const callback = await this.#chordMemberDone(ctx, ctx.groupId, embed.chord);
      if (callback !== undefined) requests.push(callback);
    }
    await this.#publish(requests, ctx);
  }

  async failed(ctx: ExecutionContext, embed: Embed, error: RemoteError): Promise<void> {
    await this.#publish(
      (embed.errbacks ?? []).map((json) => this.#request(json, [ctx.id], ctx)),
      ctx,
    );
    // What waits on this task cannot succeed now: fail it at once rather than leave it PENDING.
    const doomed = (embed.chain ?? []).map((json) => json.options.taskId).filter((id) => typeof id === 'string');
    if (embed.chord !== null && ctx.groupId !== null && typeof embed.chord.options.taskId === 'string') {
      const first = await this.#host.backend?.setIfAbsent(
        chordFailedKey(ctx.groupId),
        ctx.id,
        this.#host.resultExpires,
      );
      if (first === true) doomed.push(embed.chord.options.taskId);
    }
    await this.#failAll(doomed as string[], ctx, error);
  }

  /** Count a chord member once; the member that completes the count gets the callback to send. */
  async #chordMemberDone(
    ctx: ExecutionContext,
    groupId: string,
    callback: SignatureJson,
  ): Promise<PublishRequest | undefined> {
    const backend = this.#host.backend;
    if (backend === undefined) return undefined;
    const ttl = this.#host.resultExpires;
    // A redelivered member (its worker died after counting) must not count twice.
    if (!(await backend.setIfAbsent(chordMemberKey(groupId, ctx.id), '1', ttl))) return undefined;
    const count = await backend.incr(chordCounterKey(groupId), { ttl });
    if (count !== Number(callback.options[CHORD_SIZE_OPTION])) return undefined;
    const ids = JSON.parse((await backend.get(groupMembersKey(groupId))) ?? '[]') as string[];
    const records = await backend.getResults(ids);
    const results = records.map((record) => record?.result ?? null);
    const { [CHORD_SIZE_OPTION]: _size, ...options } = callback.options;
    return this.#request({ ...callback, options }, [results], ctx);
  }

  async #failAll(taskIds: string[], ctx: ExecutionContext, error: RemoteError): Promise<void> {
    const backend = this.#host.backend;
    if (backend === undefined || taskIds.length === 0) return;
    const message = `${error.message} (raised by ${ctx.name} ${ctx.id}, which this task depended on)`;
    await Promise.all(
      taskIds.map((taskId) =>
        backend.setResult(
          {
            taskId,
            name: null,
            state: 'FAILURE',
            retries: 0,
            worker: this.#host.hostname,
            dateDone: new Date().toISOString(),
            error: { ...error, message },
            parentId: ctx.id,
            rootId: ctx.rootId,
          },
          this.#host.resultExpires,
        ),
      ),
    );
  }

  #request(json: SignatureJson, parentArgs: Json[], ctx: ExecutionContext): PublishRequest {
    const signature = Signature.fromJSON(json);
    const args = signature.immutable ? signature.args : [...parentArgs, ...signature.args];
    return {
      name: signature.task,
      args,
      call: signature.options,
      task: undefined,
      parentId: ctx.id,
      rootId: ctx.rootId,
    };
  }

  async #publish(requests: PublishRequest[], ctx: ExecutionContext): Promise<void> {
    if (requests.length === 0) return;
    try {
      await this.#host.publish(requests);
    } catch (error) {
      this.#host.logger.error(
        { taskId: ctx.id, err: coerceError(error) },
        'could not send what follows this task in its canvas',
      );
    }
  }
}
