import { SerializationError } from '../errors/celeriac-error.ts';

/** A JSON value: what task arguments and results may be. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** 1 MiB: the default cap on an encoded task message (`maxPayloadBytes`). */
export const DEFAULT_MAX_PAYLOAD_BYTES: number = 1024 * 1024;

/**
 * Check that `value` is plain JSON, so nothing is silently changed on the way (JSON.stringify would
 * turn a Date into a string, drop functions and `undefined`, and throw on cycles and BigInt).
 * Throws `SerializationError` naming the path of the first offending value.
 */
export function assertJson(value: unknown, path: string): void {
  copyJson(value, path);
}

/**
 * `assertJson` that also returns a deep copy, made in the same walk: what a producer keeps is then
 * its own, whatever the caller does to its arguments afterwards.
 */
export function copyJson<T>(value: T, path: string): T {
  return walk(value, path, new Set()) as T;
}

function walk(value: unknown, path: string, seen: Set<object>): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) fail(path, `is ${value}, which JSON cannot carry`, 'pass null or a string');
      return value;
    case 'undefined':
      return fail(path, 'is undefined', 'use null, or leave the property out');
    case 'bigint':
      return fail(path, 'is a BigInt', 'pass it as a string (value.toString())');
    case 'function':
    case 'symbol':
      return fail(path, `is a ${typeof value}`, 'pass data, not code');
  }
  if (value === null) return null;
  const object = value as object;
  if (seen.has(object)) fail(path, 'is a cycle (refers to one of its parents)', 'pass a tree, not a graph');
  seen.add(object);
  let copy: unknown[] | Record<string, unknown>;
  if (Array.isArray(object)) {
    copy = new Array(object.length);
    for (let i = 0; i < object.length; i++) copy[i] = walk(object[i], `${path}[${i}]`, seen);
  } else {
    const proto = Object.getPrototypeOf(object);
    if (proto !== Object.prototype && proto !== null) {
      const kind = (object as { constructor?: { name?: string } }).constructor?.name ?? 'class instance';
      const hint = object instanceof Date ? 'pass date.toISOString()' : 'pass a plain object';
      fail(path, `is a ${kind}`, hint);
    }
    copy = {};
    for (const key of Object.keys(object)) {
      const item = (object as Record<string, unknown>)[key];
      // JSON.stringify drops undefined properties; an optional field left undefined is harmless.
      if (item !== undefined) copy[key] = walk(item, `${path}.${key}`, seen);
    }
  }
  seen.delete(object);
  return copy;
}

function fail(path: string, what: string, hint: string): never {
  throw new SerializationError(`${path} ${what}; task arguments and results must be JSON values — ${hint}.`);
}

type JsonPrimitive = string | number | boolean | null;

/**
 * Compile-time shape check: `T` mapped to what JSON can carry. A type is JSON-compatible when it is
 * assignable to `JsonCompatible<itself>`. Unlike `Json`, it accepts interfaces (which lack index
 * signatures); functions, symbols, BigInt and objects with methods (Date, Map, class instances with
 * methods) map to `never` and fail. `unknown` and `any` pass: they are checked at run time.
 */
export type JsonCompatible<T> = unknown extends T
  ? T
  : [T] extends [Json]
    ? T
    : T extends JsonPrimitive | undefined
      ? T
      : T extends bigint | symbol | ((...args: never[]) => unknown)
        ? never
        : T extends object
          ? { [K in keyof T]: JsonCompatible<T[K]> }
          : never;
