import { describe, expect, it } from 'vitest';
import { assertNoCircularWaits, CircularWaitError } from './pattern-kit.js';

describe('assertNoCircularWaits', () => {
  it('accepts a DAG with branching and fan-in', () => {
    expect(() =>
      assertNoCircularWaits([
        { waiter: 'b', waitsFor: 'a' },
        { waiter: 'c', waitsFor: 'a' },
        { waiter: 'd', waitsFor: 'b' },
        { waiter: 'd', waitsFor: 'c' },
      ]),
    ).not.toThrow();
  });

  it('names the cycle it refuses', () => {
    const edges = [
      { waiter: 'load', waitsFor: 'transform' },
      { waiter: 'transform', waitsFor: 'extract' },
      { waiter: 'extract', waitsFor: 'load' },
    ];
    expect(() => assertNoCircularWaits(edges)).toThrow(CircularWaitError);
    try {
      assertNoCircularWaits(edges);
    } catch (err) {
      expect((err as CircularWaitError).cycle).toEqual(['extract', 'load', 'transform', 'extract']);
      expect((err as CircularWaitError).message).toBe('Circular wait: extract → load → transform → extract');
    }
  });

  it('refuses a workflow that waits for itself', () => {
    expect(() => assertNoCircularWaits([{ waiter: 'a', waitsFor: 'a' }])).toThrow('Circular wait: a → a');
  });
});
