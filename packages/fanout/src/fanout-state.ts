/**
 * The state a fan-out carries from one run to the next. Compact, because every run carries it: one small
 * outcome record per child, the children in flight and the counters. Internal: its shape may change
 * between versions, but a new version must still read what running fan-outs carry.
 */
import type { FanoutCleanupReason, FanoutRef } from './definitions.js';
import type { FanoutChildStatus, FanoutStatus, FanoutSummary } from './fanout-summary.js';

/** One child's outcome as carried between runs: short keys, since every run carries one per child. */
export interface CompactOutcome {
  s: FanoutChildStatus;
  r?: FanoutRef;
  v?: number;
  e?: string;
}

/** Started (not yet acknowledged), waiting for its start signal, released, asked to clean up, cancelled. */
export type Phase = 'starting' | 'waiting' | 'running' | 'cleaning' | 'cancelling';

/** A child that was started and has not ended. */
export interface ActiveChild {
  index: number;
  phase: Phase;
  released: boolean;
  releasedAt?: number;
  cleanupBy?: number;
}

/** The fan-out's counters, carried between runs: the summary's counts and how many were released. */
export type FanoutCounts = Pick<
  FanoutSummary,
  | 'done'
  | 'failed'
  | 'timedOut'
  | 'cancelled'
  | 'skipped'
  | 'valueSum'
  | 'maxRunning'
  | 'duplicateReports'
  | 'rejectedReports'
> & { released: number };

/** Why the fan-out ended early. */
export interface FanoutStop {
  status: FanoutStatus;
  reason: FanoutCleanupReason;
}

/** State carried from one run of the parent to the next. */
export interface FanoutCarriedState {
  fanoutId: string;
  startedAt: number;
  run: number;
  nextToStart: number;
  active: ActiveChild[];
  outcomes: (CompactOutcome | null)[];
  counts: FanoutCounts;
  stop?: FanoutStop;
  /** When the running children started by an earlier run are next checked (workflow time, ms). */
  livenessCheckAt?: number;
}

/** The state of a fan-out that has not started anything yet. */
export function newFanoutState(fanoutId: string, startedAt: number, children: number): FanoutCarriedState {
  return {
    fanoutId,
    startedAt,
    run: 1,
    nextToStart: 0,
    active: [],
    outcomes: new Array<CompactOutcome | null>(children).fill(null),
    counts: {
      released: 0,
      done: 0,
      failed: 0,
      timedOut: 0,
      cancelled: 0,
      skipped: 0,
      valueSum: 0,
      maxRunning: 0,
      duplicateReports: 0,
      rejectedReports: 0,
    },
  };
}
