import { describe, expect, it } from 'vitest';
import { DelayHeap } from '../src/internal/delay-heap.ts';

function drain<T>(heap: DelayHeap<T>, now: number): T[] {
  const out: T[] = [];
  for (let item = heap.popDue(now); item !== undefined; item = heap.popDue(now)) out.push(item);
  return out;
}

describe('DelayHeap', () => {
  it('pops items in due order, first-in first-out for equal due times', () => {
    const heap = new DelayHeap<string>();
    const dues = [50, 10, 30, 10, 40, 20, 30, 10];
    for (const [i, due] of dues.entries()) heap.push(`${due}:${i}`, due);
    expect(heap.peekDueAt()).toBe(10);
    expect(drain(heap, 25)).toEqual(['10:1', '10:3', '10:7', '20:5']);
    expect(drain(heap, 1_000)).toEqual(['30:2', '30:6', '40:4', '50:0']);
    expect(heap.peekDueAt()).toBeUndefined();
  });

  it('keeps heap order after removing items', () => {
    const heap = new DelayHeap<number>();
    const values = Array.from({ length: 500 }, (_, i) => (i * 7919) % 500);
    for (const value of values) heap.push(value, value);
    expect(heap.removeWhere((value) => value % 3 === 0)).toBe(167);
    expect(heap.removeWhere(() => false)).toBe(0);
    const rest = drain(heap, Number.POSITIVE_INFINITY);
    expect(rest).toEqual([...values].filter((v) => v % 3 !== 0).sort((a, b) => a - b));
  });
});
