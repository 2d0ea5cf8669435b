/**
 * The pipeline's wire definitions: every signal and query its workflows exchange, with their stable
 * names (`pipeline.*`), payload types and validators, and the progress and result types they carry.
 * Changing a name or narrowing a payload here breaks runs in flight and their senders.
 */
import { defineQuery } from '@temporalio/workflow';
import { defineSequencedSignal, defineTypedSignal } from '@temporal-patterns/signal-utils';
import {
  integerAtLeast,
  oneOf,
  optionalString,
  parseRecord,
  requiredString,
} from '@temporal-patterns/signal-utils/pattern-kit';
import type { ItemFailureReason } from './errors.js';

/**
 * Longest ids a pipeline accepts: item ids, senders and channels. A longer one cannot be genuine (a
 * workflow id is far shorter); it is refused (fed items logged and dropped, signals rejected as malformed)
 * so that no run carries it.
 */
export const PIPELINE_ID_MAX_LENGTH = 1_000;
const ID = { maxLength: PIPELINE_ID_MAX_LENGTH };

/** An item fed into a pipeline: an id unique within the run and a small reference to its data. */
export interface PipelineItem {
  /** Unique within the run; items with an id already seen are dropped. */
  id: string;
  /** A reference to the data (an id, a URI, a signal-utils `dataRef`), never the data: it travels in every signal. */
  ref: unknown;
}

/** Where and why an item stopped being processed. */
export interface ItemFailure {
  stage: string;
  reason: ItemFailureReason;
  message: string;
}

/** An item as it travels along an edge. */
export interface ItemEnvelope {
  id: string;
  /** Position in the run's input, from 0. */
  index: number;
  status: 'ok' | 'failed' | 'skipped';
  /** The upstream stage's output reference (for `ok`). */
  ref?: unknown;
  failure?: ItemFailure;
}

/** One numbered item on an edge: the k-th item sent on an edge has `seq` k. */
export interface EdgeEntry {
  seq: number;
  item: ItemEnvelope;
}

/** Payload of `pipeline.items`: a batch of numbered items on one edge, and optionally its end. */
export interface ItemsMessage {
  /** Workflow id of the sender. */
  sender: string;
  /** The edge: the upstream stage's name, or `@input` from the run. */
  channel: string;
  entries: EdgeEntry[];
  /** Set once the sender is done: the number of items it sent on this edge in total. */
  endAfter?: number;
}

/** Payload of `pipeline.credit`: cumulative count of items the downstream stage has handed on. */
export interface CreditMessage {
  sender: string;
  /** The downstream stage granting credit. */
  stage: string;
  /** Items of this edge the downstream has finished with, in total (so duplicates and reordering are harmless). */
  released: number;
}

/**
 * Payload of `pipeline.stage-failed`: a stage asks the run to fail (policy `fail-run`, a stall, or an
 * item too large for one signal).
 */
export interface StageFailedMessage {
  sender: string;
  stage: string;
  kind: 'item-failed' | 'stalled' | 'item-too-large';
  itemId?: string;
  reason?: ItemFailureReason;
  detail: string;
  waitedMs?: number;
  /** For `item-too-large`: the stage the item was for. */
  target?: string;
  /** For `item-too-large`: the size of the signal that would carry the item alone, and the limit. */
  bytes?: number;
  maxBytes?: number;
}

/** Payload of `pipeline.feed` (inside a sequenced message): items to add, and whether input ends here. */
export interface FeedBatch {
  items: PipelineItem[];
  /** No item follows this batch: the run completes once everything fed is through. */
  last?: boolean;
}

function parseEnvelope(raw: unknown): ItemEnvelope {
  const e = parseRecord(raw, 'item');
  requiredString(e, 'id', ID);
  integerAtLeast(e, 'index', 0);
  oneOf(e, 'status', ['ok', 'failed', 'skipped']);
  return e as unknown as ItemEnvelope;
}

/** Wire name `pipeline.items`: numbered items on one edge (upstream → downstream, last stage → run). */
export const pipelineItemsSignal = defineTypedSignal<ItemsMessage>('pipeline.items', (raw) => {
  const m = parseRecord(raw, 'message');
  requiredString(m, 'sender', ID);
  requiredString(m, 'channel', ID);
  if (!Array.isArray(m.entries)) throw new Error('entries must be an array');
  for (const entry of m.entries) {
    const e = parseRecord(entry, 'entry');
    integerAtLeast(e, 'seq', 1);
    parseEnvelope(e.item);
  }
  if (m.endAfter !== undefined) integerAtLeast(m, 'endAfter', 0);
  return m as unknown as ItemsMessage;
});

/** Wire name `pipeline.credit`: a downstream stage tells its upstream how many items it has finished with. */
export const pipelineCreditSignal = defineTypedSignal<CreditMessage>('pipeline.credit', (raw) => {
  const m = parseRecord(raw, 'message');
  requiredString(m, 'sender');
  requiredString(m, 'stage');
  integerAtLeast(m, 'released', 0);
  return m as unknown as CreditMessage;
});

/** Wire name `pipeline.stage-failed`: a stage asks its run to fail. */
export const pipelineStageFailedSignal = defineTypedSignal<StageFailedMessage>(
  'pipeline.stage-failed',
  (raw) => {
    const m = parseRecord(raw, 'message');
    requiredString(m, 'sender', ID);
    requiredString(m, 'stage', ID);
    oneOf(m, 'kind', ['item-failed', 'stalled', 'item-too-large']);
    // An activity's error message may be empty, and the run must still fail.
    if (optionalString(m, 'detail') === undefined) throw new Error('detail must be a string');
    return m as unknown as StageFailedMessage;
  },
);

/** Checks one fed item's shape (the size is checked by the sender and the run). */
export function parsePipelineItem(raw: unknown): PipelineItem {
  const item = parseRecord(raw, 'item');
  return { id: requiredString(item, 'id', ID), ref: item.ref };
}

/**
 * Wire name `pipeline.feed`: a sequenced signal (signal-utils) carrying {@link FeedBatch}es to the run,
 * numbered per feeder (`channel`), so batches are taken in order and exactly once.
 */
export const pipelineFeedSignal = defineSequencedSignal<FeedBatch>('pipeline.feed', (raw) => {
  const b = parseRecord(raw, 'feed batch');
  if (!Array.isArray(b.items)) throw new Error('items must be an array');
  if (b.last !== undefined && typeof b.last !== 'boolean') throw new Error('last must be a boolean');
  // Items are checked one by one by the run, so one bad item does not drop (and leave a gap for) the batch.
  return { items: b.items as PipelineItem[], last: b.last };
});

/** Progress of one stage, from the `pipeline.stage-progress` query. */
export interface StageProgress {
  runId: string;
  stage: string;
  /** Distinct items received so far (on any input). */
  received: number;
  /** Items whose activity succeeded. */
  processed: number;
  /** Items passed on as failed (failed here or upstream). */
  failed: number;
  /** Items passed on as skipped. */
  skipped: number;
  /** Items received and not yet handed on downstream. */
  inFlight: number;
  /** The most items ever in flight at once; never above `window`. */
  maxInFlight: number;
  window: number;
  /** Items waiting for the other inputs of a fan-in. */
  joining: number;
  /** Deliveries dropped because they were duplicates. */
  duplicatesDropped: number;
  /** Runs of this stage workflow so far (1 + continue-as-new count). */
  runs: number;
  /** Every input ended and every item was handed on. */
  done: boolean;
}

/** Outcome of one item of a run. */
export interface ItemOutcome {
  id: string;
  index: number;
  status: 'completed' | 'failed' | 'skipped';
  /** Output references by last stage. */
  outputs: Record<string, unknown>;
  /** The single last stage's output, when the pipeline has exactly one last stage. */
  output?: unknown;
  /** Where and why the item stopped (for `failed` and `skipped`). */
  failure?: ItemFailure;
}

/** Progress of a run, from the `pipeline.run-progress` query. */
export interface RunProgress {
  runId: string;
  pipeline: string;
  stages: string[];
  /** Items accepted into the run. */
  fed: number;
  completed: number;
  failed: number;
  skipped: number;
  /** Items fed and not yet out of every last stage. */
  outstanding: number;
  inputClosed: boolean;
  /** Feed batches dropped because they were duplicates. */
  duplicateFeedBatches: number;
  /** Fed items refused because the run held as much as `maxHeldBytes` allows. */
  refused: number;
  runs: number;
  done: boolean;
}

/** What a run returns: every item's outcome, in input order. */
export interface PipelineResult {
  runId: string;
  items: ItemOutcome[];
  completed: number;
  failed: number;
  skipped: number;
  /** Fed items refused because the run held as much as `maxHeldBytes` allows (not in `items`). */
  refused: number;
}

/** Query `pipeline.stage-progress` of a stage workflow. */
export const pipelineStageProgressQuery = defineQuery<StageProgress>('pipeline.stage-progress');
/** Query `pipeline.run-progress` of a run workflow. */
export const pipelineRunProgressQuery = defineQuery<RunProgress>('pipeline.run-progress');
