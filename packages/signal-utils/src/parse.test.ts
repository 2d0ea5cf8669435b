import { describe, expect, it } from 'vitest';
import {
  integerAtLeast,
  isRunId,
  oneOf,
  optionalNumber,
  optionalString,
  parseRecord,
  positiveNumber,
  requiredRunId,
  requiredString,
} from './pattern-kit.js';

describe('payload parsers', () => {
  it('accept a plain object as a record and refuse arrays, null and scalars', () => {
    expect(parseRecord({ a: 1 })).toEqual({ a: 1 });
    expect(() => parseRecord([])).toThrow('expected an object');
    expect(() => parseRecord(null, 'item')).toThrow('item must be an object');
    expect(() => parseRecord('x')).toThrow('expected an object');
  });

  it('hold strings to non-empty and to their length limit', () => {
    expect(requiredString({ id: 'a' }, 'id')).toBe('a');
    expect(() => requiredString({ id: '' }, 'id')).toThrow('id must be a non-empty string');
    expect(() => requiredString({}, 'id')).toThrow('id must be a non-empty string');
    expect(requiredString({ id: 'x'.repeat(5) }, 'id', { maxLength: 5 })).toHaveLength(5);
    expect(() => requiredString({ id: 'x'.repeat(6) }, 'id', { maxLength: 5 })).toThrow(
      'id must be a non-empty string of at most 5 characters',
    );
    expect(optionalString({ note: null }, 'note')).toBeUndefined();
    expect(optionalString({ note: '' }, 'note')).toBe('');
    expect(() => optionalString({ note: 3 }, 'note')).toThrow('note must be a string');
    expect(() => optionalString({ note: 'abc' }, 'note', { maxLength: 2 })).toThrow(
      'note must be a string of at most 2 characters',
    );
  });

  it('take only finite numbers in range', () => {
    expect(positiveNumber({ n: 0.5 }, 'n')).toBe(0.5);
    for (const n of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '1']) {
      expect(() => positiveNumber({ n }, 'n')).toThrow('n must be a positive number');
    }
    expect(integerAtLeast({ n: 0 }, 'n', 0)).toBe(0);
    expect(() => integerAtLeast({ n: 1.5 }, 'n', 0)).toThrow('n must be an integer ≥ 0');
    expect(() => integerAtLeast({ n: 0 }, 'n', 1)).toThrow('n must be an integer ≥ 1');
    expect(optionalNumber({}, 'n')).toBeUndefined();
    expect(() => optionalNumber({ n: Number.NaN }, 'n')).toThrow('n must be a number');
  });

  it('name the accepted values of an enumeration', () => {
    expect(oneOf({ s: 'ok' }, 's', ['ok', 'failed'])).toBe('ok');
    expect(() => oneOf({ s: 'no' }, 's', ['ok', 'failed', 'skipped'])).toThrow(
      's must be "ok", "failed" or "skipped"',
    );
    expect(() => oneOf({ s: 'no' }, 's', ['success', 'failure'])).toThrow('s must be "success" or "failure"');
  });

  it('recognise workflow run ids', () => {
    const runId = '0b5c8f3e-1d2a-4c6b-9e7f-123456789abc';
    expect(isRunId(runId)).toBe(true);
    expect(isRunId('not-a-run')).toBe(false);
    expect(requiredRunId({ runId }, 'runId')).toBe(runId);
    expect(() => requiredRunId({ runId: 'x' }, 'runId')).toThrow('runId must be a workflow run id (a UUID)');
  });
});
