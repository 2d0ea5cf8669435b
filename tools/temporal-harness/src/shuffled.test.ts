import { describe, expect, it } from 'vitest';
import { shuffled } from './shuffled.js';

describe('shuffled', () => {
  it('permutes the values, the same way for the same seed', () => {
    const values = Array.from({ length: 20 }, (_, i) => i);
    const once = shuffled(values, 7);
    expect([...once].sort((a, b) => a - b)).toEqual(values);
    expect(once).not.toEqual(values);
    expect(shuffled(values, 7)).toEqual(once);
    expect(shuffled(values, 8)).not.toEqual(once);
    expect(values[0]).toBe(0);
  });
});
