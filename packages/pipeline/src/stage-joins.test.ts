import { describe, expect, it } from 'vitest';
import type { ItemEnvelope } from './definitions.js';
import { StageJoins } from './stage-joins.js';

const ok = (id: string, index: number, ref: string): ItemEnvelope => ({ id, index, status: 'ok', ref });

describe('StageJoins', () => {
  it('hands an item on once every upstream stage has sent it, with each input by stage', () => {
    const joins = new StageJoins(['B', 'C']);
    expect(joins.accept('B', ok('x', 0, 'b'), 10)).toEqual({ started: true });
    expect(joins.size).toBe(1);
    expect(joins.accept('C', ok('x', 0, 'c'), 20)).toEqual({
      started: false,
      ready: { id: 'x', index: 0, status: 'ok', inputs: { B: 'b', C: 'c' } },
    });
    expect(joins.size).toBe(0);
  });

  it('hands an item on at once when the stage has one upstream stage', () => {
    const joins = new StageJoins(['@input']);
    expect(joins.accept('@input', ok('x', 3, 'r'), 0)).toEqual({
      started: true,
      ready: { id: 'x', index: 3, status: 'ok', inputs: { '@input': 'r' } },
    });
  });

  it('passes a failed input on as failed, before a skipped one', () => {
    const joins = new StageJoins(['B', 'C']);
    const failure = { stage: 'C', reason: 'error' as const, message: 'boom' };
    joins.accept('B', { id: 'x', index: 0, status: 'skipped', failure: { ...failure, stage: 'B' } }, 0);
    const step = joins.accept('C', { id: 'x', index: 0, status: 'failed', failure }, 0);
    expect(step?.ready).toMatchObject({ status: 'failed', failure });
  });

  it('gives up joins past the timeout in input order and drops their inputs when they arrive late', () => {
    const joins = new StageJoins(['B', 'C']);
    joins.accept('B', ok('late', 1, 'b1'), 100);
    joins.accept('C', ok('early', 0, 'c0'), 200);
    joins.accept('B', ok('fresh', 2, 'b2'), 900);
    expect(joins.nextExpiry(1_000)).toBe(1_100);
    expect(joins.expire(1_200, 1_000)).toEqual([
      { id: 'early', index: 0, missing: ['B'] },
      { id: 'late', index: 1, missing: ['C'] },
    ]);
    expect(joins.size).toBe(1);
    expect(joins.nextExpiry(1_000)).toBe(1_900);
    expect(joins.accept('C', ok('late', 1, 'c1'), 1_300)).toBeUndefined();
    expect(joins.accept('B', ok('early', 0, 'b0'), 1_300)).toBeUndefined();
    expect(joins.size).toBe(1);
    expect(joins.abandonedInputs()).toEqual([]);
  });

  it('carries waiting joins and given-up inputs into the next run', () => {
    const joins = new StageJoins(['B', 'C']);
    joins.accept('B', ok('x', 0, 'b'), 0);
    joins.accept('B', ok('y', 1, 'b'), 0);
    joins.expire(10, 5);
    joins.accept('B', ok('z', 2, 'b'), 20);
    const next = new StageJoins(['B', 'C'], {
      joins: structuredClone(joins.pending()),
      abandonedInputs: joins.abandonedInputs(),
    });
    expect(next.abandonedInputs()).toEqual(['C\nx', 'C\ny']);
    expect(next.accept('C', ok('x', 0, 'c'), 30)).toBeUndefined();
    expect(next.accept('C', ok('z', 2, 'c'), 30)?.ready).toMatchObject({
      id: 'z',
      inputs: { B: 'b', C: 'c' },
    });
  });
});
