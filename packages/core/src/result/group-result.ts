import type { AsyncResult } from './async-result.ts';

/** Results of a group's members, in member order (Celery's `GroupResult`). */
export class GroupResult<Results extends unknown[] = unknown[]> {
  readonly id: string;
  readonly results: { [K in keyof Results]: AsyncResult<Results[K]> };

  constructor(id: string, results: { [K in keyof Results]: AsyncResult<Results[K]> }) {
    this.id = id;
    this.results = results;
  }

  /** Every member's result, in member order; rejects with the first failure (or `TimeoutError`). */
  async get(options: { timeout?: number } = {}): Promise<Results> {
    const deadline = options.timeout === undefined ? undefined : Date.now() + options.timeout;
    return (await Promise.all(
      (this.results as AsyncResult[]).map((result) =>
        result.get(deadline === undefined ? {} : { timeout: Math.max(0, deadline - Date.now()) }),
      ),
    )) as Results;
  }

  /** True when every member reached a ready state. */
  async ready(): Promise<boolean> {
    return (await this.#states()).every((state) => state === 'SUCCESS' || state === 'FAILURE' || state === 'REVOKED');
  }

  async successful(): Promise<boolean> {
    return (await this.#states()).every((state) => state === 'SUCCESS');
  }

  async failed(): Promise<boolean> {
    return (await this.#states()).some((state) => state === 'FAILURE');
  }

  /** How many members succeeded. */
  async completedCount(): Promise<number> {
    return (await this.#states()).filter((state) => state === 'SUCCESS').length;
  }

  /** Revoke every member. */
  async revoke(options: { terminate?: boolean } = {}): Promise<void> {
    await Promise.all((this.results as AsyncResult[]).map((result) => result.revoke(options)));
  }

  #states(): Promise<string[]> {
    return Promise.all((this.results as AsyncResult[]).map((result) => result.state()));
  }
}
