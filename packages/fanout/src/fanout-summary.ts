import type { FanoutCleanupReason, FanoutRef } from './definitions.js';

/** Outcome of one child: `skipped` children were never released (the fan-out ended first). */
export type FanoutChildStatus = 'done' | 'failed' | 'timed-out' | 'cancelled' | 'skipped';

/**
 * Outcome of the whole fan-out: `completed` (every child settled, or the quorum was reached), `failed`
 * (fail-fast saw a failure, or the quorum became impossible), `timed-out` (the overall deadline passed).
 * A cancelled fan-out cleans up its children and ends cancelled rather than returning a summary.
 */
export type FanoutStatus = 'completed' | 'failed' | 'timed-out';

/** Outcome of one child, in the summary. */
export interface FanoutChildOutcome {
  index: number;
  childId: string;
  status: FanoutChildStatus;
  /** The child's result reference (status `done`). */
  resultRef?: FanoutRef;
  /** The child's reported value (status `done`). */
  value?: number;
  /** Why the child failed, timed out, was cancelled or skipped. */
  error?: string;
}

/** What `fanoutWorkflow` returns. */
export interface FanoutSummary {
  status: FanoutStatus;
  /** What ended the fan-out early, if something did. */
  reason?: FanoutCleanupReason;
  total: number;
  done: number;
  failed: number;
  timedOut: number;
  cancelled: number;
  skipped: number;
  /** Sum of the `value`s reported by children that are done. */
  valueSum: number;
  /** Runs of the parent (1 + continue-as-new count). */
  runs: number;
  /** Highest number of children running at once. */
  maxRunning: number;
  duplicateReports: number;
  rejectedReports: number;
  /** Every child's outcome, in input order. */
  outcomes: FanoutChildOutcome[];
}
