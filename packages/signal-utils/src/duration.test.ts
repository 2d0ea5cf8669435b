import { describe, expect, it } from 'vitest';
import { toMs } from './duration.js';

describe('toMs', () => {
  it('reads numbers as milliseconds and strings in the SDK duration format', () => {
    expect(toMs(250)).toBe(250);
    expect(toMs('30s')).toBe(30_000);
    expect(toMs('1 minute')).toBe(60_000);
    expect(toMs('1.5h')).toBe(5_400_000);
    expect(toMs('500ms')).toBe(500);
    expect(toMs('2 days')).toBe(172_800_000);
  });

  it('throws a TypeError on nonsense', () => {
    expect(() => toMs('soon' as never)).toThrow(TypeError);
    expect(() => toMs(-1)).toThrow('Invalid duration: -1');
  });
});
