import { describe, expect, it } from 'vitest';
import { Deque } from '../src/internal/deque.ts';

describe('Deque', () => {
  it('keeps FIFO order while wrapping around and growing', () => {
    const deque = new Deque<number>(4);
    const expected: number[] = [];
    let next = 0;
    // Interleave pushes and shifts so the head travels around the ring many times.
    for (let round = 0; round < 200; round++) {
      for (let i = 0; i < (round % 7) + 1; i++) {
        deque.pushBack(next);
        expected.push(next++);
      }
      for (let i = 0; i < round % 5; i++) expect(deque.shift()).toBe(expected.shift());
      expect(deque.length).toBe(expected.length);
    }
    expect([...deque]).toEqual(expected);
  });

  it('pushFront puts an item before everything else, even when full', () => {
    const deque = new Deque<string>(4);
    for (const item of ['b', 'c', 'd', 'e']) deque.pushBack(item);
    deque.pushFront('a');
    deque.shift();
    deque.pushFront('z');
    expect([...deque]).toEqual(['z', 'b', 'c', 'd', 'e']);
  });

  it('shift on an empty deque returns undefined; clear reports what it removed', () => {
    const deque = new Deque<number>();
    expect(deque.shift()).toBeUndefined();
    for (let i = 0; i < 100; i++) deque.pushBack(i);
    expect(deque.clear()).toBe(100);
    expect(deque.length).toBe(0);
    deque.pushBack(7);
    expect([...deque]).toEqual([7]);
  });
});
