import type { Duration } from '@temporalio/common';

/** Options of a run that its stage workflows share. Every field has a default. */
export interface PipelineRunOptions {
  /** Task queue of the stage workflows. Defaults to the run workflow's task queue. */
  stageTaskQueue?: string;
  /** The run fails with `PipelineStalledError` when items are outstanding and nothing moved for this long. Defaults to 10 minutes. */
  idleTimeout?: Duration;
  /** How long a missing sequence number on an edge may hold back later items before the run fails as stalled. Defaults to 1 minute. */
  gapTimeout?: Duration;
  /** How long a stage may wait for credit from a downstream stage before the run fails as stalled. Defaults to 10 minutes. */
  creditTimeout?: Duration;
  /** Continue as new once a run or stage workflow's history reaches this many events (the server's suggestion is always honoured too). Defaults to none. */
  maxHistoryEvents?: number;
  /** Most items per `pipeline.items` signal. Defaults to 50. */
  maxBatchSize?: number;
  /** Largest encoded item reference accepted. Defaults to 16 KiB. */
  maxItemBytes?: number;
  /**
   * Most a run holds, in encoded bytes of its accepted items' ids and references plus their outputs'
   * references: it carries them all through continue-as-new (one payload, 2 MiB at most) and returns
   * them. A fed item that would take the run past it is refused (logged, counted in `refused`); items
   * accepted before still complete. Defaults to 768 KiB.
   */
  maxHeldBytes?: number;
}

export const DEFAULT_MAX_ITEM_BYTES = 16 * 1024;
export const DEFAULT_MAX_BATCH = 50;
export const DEFAULT_MAX_HELD_BYTES = 768 * 1024;
