import { describe, expect, it } from 'vitest';
import type { ItemEnvelope } from './definitions.js';
import { EdgeInbox, EdgeOutbox, newOutboxState } from './edges.js';
import { checkStall } from './stage-stall.js';

const limits = { gapTimeoutMs: 1_000, creditTimeoutMs: 5_000 };
const item = (id: string): ItemEnvelope => ({ id, index: 0, status: 'ok', ref: id });

/** An inbox on `A` that holds item 2 and has missed item 1 since `gapSince`. */
function gappedInbox(gapSince: number): EdgeInbox {
  return new EdgeInbox(['A'], {
    channels: { A: { nextSeq: 1, buffered: [{ seq: 2, item: item('two') }], gapSince } },
    duplicatesDropped: 0,
  });
}

/** An outbox to `C` whose pending item `waiting` has had no credit since `blockedSince`. */
function blockedOutbox(blockedSince: number): EdgeOutbox {
  const state = { ...newOutboxState('C', 'run/stage/C', 1), pending: [item('waiting')], blockedSince };
  return new EdgeOutbox(state, 'B', 50);
}

describe('checkStall', () => {
  it('reports nothing and no deadline while nothing waits', () => {
    expect(checkStall(new EdgeInbox(['A']), [], 10_000, limits)).toEqual({ deadline: undefined });
  });

  it('gives the earliest deadline while waits are within their limits', () => {
    expect(checkStall(gappedInbox(500), [blockedOutbox(0)], 1_000, limits)).toEqual({ deadline: 1_500 });
  });

  it('reports a missing number past the gap timeout before a wait for credit', () => {
    expect(checkStall(gappedInbox(500), [blockedOutbox(0)], 6_000, limits)).toEqual({
      stall: { detail: 'item 1 from "A"', waitedMs: 5_500 },
    });
  });

  it('reports the longest wait for credit past the credit timeout, naming the waiting item', () => {
    expect(
      checkStall(new EdgeInbox(['A']), [blockedOutbox(2_000), blockedOutbox(1_000)], 6_000, limits),
    ).toEqual({
      stall: { detail: 'credit from "C" (item "waiting" waiting)', waitedMs: 5_000 },
    });
  });
});
