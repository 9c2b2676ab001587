import { DEFAULT_MAX_PAYLOAD_BYTES, type Json, SerializationError, TaskFailedError } from '@celeriac/core';
import { afterEach, describe, expect, it } from 'vitest';
import { closeApps, makeApp } from './helpers.ts';

afterEach(closeApps);

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

function cyclic(): Record<string, unknown> {
  const node: Record<string, unknown> = { name: 'a' };
  node.self = node;
  return node;
}

const NOT_JSON: Array<[label: string, value: () => unknown]> = [
  ['a Date', () => new Date('2024-01-01T00:00:00Z')],
  ['a function', () => () => 1],
  ['a BigInt', () => 10n],
  ['undefined in an array', () => [1, undefined, 3]],
  ['a class instance', () => new Point(1, 2)],
  ['a cycle', cyclic],
  ['a Symbol', () => Symbol('s')],
  ['NaN', () => Number.NaN],
  ['a Map nested in an object', () => ({ lookup: new Map([['a', 1]]) })],
];

describe('task arguments must be JSON values', () => {
  it.each(NOT_JSON)(
    '%s as an argument is a SerializationError at the call, and nothing is published',
    async (_label, make) => {
      const app = makeApp();
      const take = app.task('take.anything', (_value: Json) => null);
      const broker = await app.broker();

      await expect(take.delay(make() as Json)).rejects.toThrow(SerializationError);
      await expect(take.applyAsync([make() as Json])).rejects.toThrow(SerializationError);
      await expect(app.sendTask('take.anything', [make()])).rejects.toThrow(SerializationError);

      expect(await broker.stats('default')).toMatchObject({ ready: 0, delayed: 0, unacked: 0 });
    },
  );

  it('the SerializationError names the offending path', async () => {
    const app = makeApp();
    const take = app.task('take.nested', (_value: Json) => null);

    const error = await take
      .delay({ items: [{ when: new Date() as unknown as Json }] })
      .catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(SerializationError);
    expect((error as Error).message).toMatch(/items\[0\]\.when/);
    expect((error as Error).message).toMatch(/Date/);
  });

  it('one bad call in applyBulk publishes none of the batch', async () => {
    const app = makeApp();
    const take = app.task('take.bulk', (_value: Json) => null);

    await expect(take.applyBulk([[1], [2], [new Date() as unknown as Json]])).rejects.toThrow(SerializationError);

    expect((await (await app.broker()).stats('default')).ready).toBe(0);
  });

  it('plain JSON (nested objects, arrays, null, unicode) arrives unchanged', async () => {
    const app = makeApp();
    const echo = app.task('echo', (value: Json) => value);
    await app.worker({ concurrency: 1 }).start();
    const value: Json = { a: [1, 2.5, -3, null, true, 'x'], b: { c: { d: 'é✓😀' } }, e: [] };

    expect(await (await echo.delay(value)).get({ timeout: 5_000 })).toEqual(value);
  });
});

describe('task results must be JSON values', () => {
  it('a handler returning a non-JSON value fails the task with SerializationError', async () => {
    const app = makeApp();
    // Casts stand for JavaScript callers and loosely typed code: the check also holds at run time.
    const returnsDate = app.task('returns.date', () => new Date() as unknown as Json);
    const returnsBigInt = app.task('returns.bigint', () => ({ total: 10n as unknown as Json }));
    await app.worker({ concurrency: 2 }).start();

    for (const task of [returnsDate, returnsBigInt]) {
      const result = await task.delay();
      const error = await result.get({ timeout: 5_000 }).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(TaskFailedError);
      expect((error as TaskFailedError).remote.name).toBe('SerializationError');
      expect(await result.state()).toBe('FAILURE');
    }
  });
});

describe('maxPayloadBytes', () => {
  it('a message over the configured cap is a SerializationError at the call, and nothing is published', async () => {
    const app = makeApp({ maxPayloadBytes: 1_000 });
    const upload = app.task('upload', (_data: string) => null);

    const error = await upload.delay('x'.repeat(2_000)).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(SerializationError);
    expect((error as Error).message).toMatch(/maxPayloadBytes/);
    expect((error as Error).message).toMatch(/1000/);
    expect((await (await app.broker()).stats('default')).ready).toBe(0);
  });

  it('counts bytes, not characters: multi-byte text over the cap is refused', async () => {
    const app = makeApp({ maxPayloadBytes: 1_000 });
    const upload = app.task('upload.utf8', (_data: string) => null);

    // 300 characters of 4 bytes each: 1,200 bytes, though only 600 UTF-16 units.
    await expect(upload.delay('😀'.repeat(300))).rejects.toThrow(SerializationError);
    // A small message under the same cap goes through.
    await expect(upload.delay('small')).resolves.toBeDefined();
    expect((await (await app.broker()).stats('default')).ready).toBe(1);
  });

  it('defaults to 1 MiB', async () => {
    expect(DEFAULT_MAX_PAYLOAD_BYTES).toBe(1024 * 1024);
    const app = makeApp();
    const upload = app.task('upload.default', (_data: string) => null);

    await expect(upload.delay('x'.repeat(1024 * 1024 + 1))).rejects.toThrow(SerializationError);
    await expect(upload.delay('x'.repeat(1000 * 1000))).resolves.toBeDefined();
    expect((await (await app.broker()).stats('default')).ready).toBe(1);
  });
});
