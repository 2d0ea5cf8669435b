import type { Duration } from '@temporalio/common';
import {
  DEFAULT_MAX_PAYLOAD_BYTES,
  durationToMs,
  integerAtLeast,
  payloadSize,
  type PayloadRecord,
} from '@temporal-patterns/signal-utils/pattern-kit';
import { isFanoutRef, type FanoutRef } from './definitions.js';
import { errorMessage, InvalidFanoutInputError } from './errors.js';

/**
 * When the fan-out is finished:
 * - `'all-settled'`: every child has an outcome (done, failed or timed out).
 * - `'fail-fast'`: the first failure (or per-child timeout) ends it; the rest are cleaned up.
 * - `{ quorum: k }`: `k` children done ends it (the rest are cleaned up); it fails as soon as `k` can no
 *   longer be reached.
 */
export type FanoutPolicy = 'all-settled' | 'fail-fast' | { quorum: number };

/** Options of a fan-out (the argument of `fanoutWorkflow`, and of `startFanout` with its ids). */
export interface FanoutOptions {
  /** Workflow type of the children; each should call `runFanoutChild` (or wait for the start signal and report itself). */
  childWorkflowType: string;
  /** One input reference per child, in order; outcomes come back in the same order. */
  inputs: readonly FanoutRef[];
  /** When the fan-out is finished. Defaults to `'all-settled'`. */
  policy?: FanoutPolicy;
  /** Most children released and not yet ended at any time. Defaults to 10. */
  window?: number;
  /**
   * How many children are started ahead of the window, waiting for their start signal. With the window
   * this bounds pending children and outgoing signals per run: `window + startAhead` must stay within
   * 1,900 (Temporal allows 2,000). Defaults to the window.
   */
  startAhead?: number;
  /** Task queue of the children. Defaults to the parent's task queue. */
  childTaskQueue?: string;
  /** Child workflow ids are this prefix plus the input's index. Defaults to `<parent workflow id>/`. */
  childIdPrefix?: string;
  /** How long a released child may take before it is timed out and cleaned up. Defaults to no limit. */
  childTimeout?: Duration;
  /** How long the whole fan-out may take (from its first run) before stragglers are timed out. Defaults to no limit. */
  deadline?: Duration;
  /** How long a child asked to clean up has to report before it is cancelled. Defaults to 10 seconds. */
  cleanupGrace?: Duration;
  /**
   * Execution timeout of each child workflow: children are abandoned (not terminated) when a parent run
   * closes so they survive continue-as-new, so this bounds a child whose parent was terminated.
   * Defaults to no limit.
   */
  childExecutionTimeout?: Duration;
  /**
   * How often the parent checks that children started by an earlier run are still open. A run learns
   * directly only of its own children closing; one that continued as new signals each running child it
   * inherited every this often, and a child found closed without a report fails (per the policy). So a
   * child that closes without reporting (terminated, timed out) is settled at most this long (plus a
   * signal's round trip) after it closed. Each check costs one signal per inherited running child.
   * Defaults to 1 minute.
   */
  livenessCheckInterval?: Duration;
  /**
   * Most bytes one child's `resultRef` may take (JSON-encoded); a child that reports a bigger one fails
   * (per the policy) with an error saying so. Every result reference is carried into each run and
   * returned in the summary, so together they must stay within Temporal's 2 MiB payload limit. Defaults
   * to 1 KiB, or less when that many children would not fit the fan-out's 1.5 MiB state budget. A value
   * over what fits, or over what one report signal can carry (252 KiB), is refused.
   */
  maxResultRefBytes?: number;
  /**
   * Continue as new once a run's history reaches this many events (the parent also continues when the
   * server suggests it). At least 50. Defaults to the server's suggestion only.
   */
  maxHistoryEvents?: number;
}

/** Most bytes the options (mostly `inputs`) may take: they are carried into every run. */
export const MAX_FANOUT_INPUT_BYTES = 1024 * 1024;

/**
 * Most bytes the continue-as-new input (options and carried state) and the summary may each take:
 * 1.5 MiB, leaving a quarter of Temporal's 2 MiB payload limit as margin.
 */
export const FANOUT_STATE_BUDGET_BYTES = 1.5 * 1024 * 1024;

/** Default of `maxResultRefBytes`, when the children fit the budget with it: 1 KiB. */
export const DEFAULT_MAX_RESULT_REF_BYTES = 1024;

/** Most bytes of a child's error message kept in its outcome (longer ones are cut): 256. */
export const MAX_OUTCOME_ERROR_BYTES = 256;

/** Below this many bytes per child the fan-out is refused as too large: 16. */
const MIN_RESULT_REF_BYTES = 16;

// Worst-case JSON sizes, beside the result reference or error: a carried outcome (`{"s":…,"v":…}`), a
// summary outcome (`{"index":…,"childId":…,"status":…,"value":…}`, plus the child id), a carried
// child in flight, and the fixed part of the carried state or summary.
const CARRIED_OUTCOME_OVERHEAD = 48;
const SUMMARY_OUTCOME_OVERHEAD = 112;
const ACTIVE_CHILD_BYTES = 128;
const FIXED_STATE_BYTES = 2048;
const REPORT_OVERHEAD_BYTES = 4096;

/** The options of a fan-out with every default applied and durations in ms. Internal. */
export interface FanoutConfig {
  childWorkflowType: string;
  inputs: readonly FanoutRef[];
  policy: FanoutPolicy;
  window: number;
  startAhead: number;
  childTaskQueue?: string;
  childIdPrefix?: string;
  childTimeoutMs?: number;
  deadlineMs?: number;
  cleanupGraceMs: number;
  childExecutionTimeoutMs?: number;
  livenessCheckIntervalMs: number;
  /**
   * Cap on a child's `resultRef` bytes; also caps kept error messages (with
   * {@link MAX_OUTCOME_ERROR_BYTES}). Unset only when replaying runs recorded before the caps existed.
   */
  maxResultRefBytes?: number;
  maxHistoryEvents?: number;
}

/** Default of `livenessCheckInterval`: 1 minute. */
export const DEFAULT_LIVENESS_CHECK_INTERVAL_MS = 60_000;

function integerOption(
  options: FanoutOptions,
  field: 'window' | 'startAhead' | 'maxHistoryEvents' | 'maxResultRefBytes',
  min: number,
): number | undefined {
  if (options[field] === undefined) return undefined;
  try {
    return integerAtLeast(options as unknown as PayloadRecord, field, min);
  } catch (err) {
    throw new InvalidFanoutInputError(field, `${errorMessage(err)}, got ${String(options[field])}`);
  }
}

function optionalDuration(field: string, value: Duration | undefined): number | undefined {
  if (value === undefined) return undefined;
  try {
    return durationToMs(value);
  } catch {
    throw new InvalidFanoutInputError(field, `not a duration: ${String(value)}`);
  }
}

function livenessCheckInterval(value: Duration | undefined): number {
  const ms = optionalDuration('livenessCheckInterval', value) ?? DEFAULT_LIVENESS_CHECK_INTERVAL_MS;
  if (!(ms >= 1))
    throw new InvalidFanoutInputError('livenessCheckInterval', `must be positive, got ${String(value)}`);
  return ms;
}

function checkPolicy(policy: FanoutPolicy, children: number): void {
  if (typeof policy === 'object' && policy !== null) {
    const k = policy.quorum;
    if (!Number.isInteger(k) || k < 1 || k > children) {
      throw new InvalidFanoutInputError(
        'policy.quorum',
        `must be an integer from 1 to ${children}, got ${String(k)}`,
      );
    }
  } else if (policy !== 'all-settled' && policy !== 'fail-fast') {
    throw new InvalidFanoutInputError(
      'policy',
      `must be 'all-settled', 'fail-fast' or { quorum: k }, got ${JSON.stringify(policy)}`,
    );
  }
}

/** What {@link validateFanoutOptions} needs besides the options. */
export interface FanoutValidationContext {
  /** The parent's workflow id: the default child id prefix, whose length the summary carries. */
  parentWorkflowId?: string;
  /** Skips the state budget (no `maxResultRefBytes`): only to replay runs recorded before it existed. */
  unbounded?: boolean;
}

/**
 * Most bytes each child's result reference may take so that the carried state (options, one outcome
 * per child, children in flight) and the summary stay within {@link FANOUT_STATE_BUDGET_BYTES}.
 */
function resultRefRoom(options: FanoutOptions, pending: number, parentWorkflowId = ''): number {
  const n = options.inputs.length;
  if (n === 0) return Number.POSITIVE_INFINITY;
  const childIdBytes = payloadSize(`${options.childIdPrefix ?? `${parentWorkflowId}/`}${n - 1}`);
  const carriedRoom =
    Math.floor(
      (FANOUT_STATE_BUDGET_BYTES - payloadSize(options) - pending * ACTIVE_CHILD_BYTES - FIXED_STATE_BYTES) /
        n,
    ) - CARRIED_OUTCOME_OVERHEAD;
  const summaryRoom =
    Math.floor((FANOUT_STATE_BUDGET_BYTES - FIXED_STATE_BYTES) / n) - SUMMARY_OUTCOME_OVERHEAD - childIdBytes;
  // A child's report carries its resultRef in one signal, which may take at most 256 KiB.
  const signalRoom = DEFAULT_MAX_PAYLOAD_BYTES - REPORT_OVERHEAD_BYTES;
  return Math.min(carriedRoom, summaryRoom, signalRoom);
}

function maxResultRefBytes(options: FanoutOptions, pending: number, parentWorkflowId?: string): number {
  const room = resultRefRoom(options, pending, parentWorkflowId);
  const n = options.inputs.length;
  const explicit = integerOption(options, 'maxResultRefBytes', MIN_RESULT_REF_BYTES);
  if (explicit !== undefined && explicit > room) {
    throw new InvalidFanoutInputError(
      'maxResultRefBytes',
      `${n} children can have at most ${room} bytes each within the ${FANOUT_STATE_BUDGET_BYTES}-byte state budget, got ${explicit}`,
    );
  }
  const cap = explicit ?? Math.min(DEFAULT_MAX_RESULT_REF_BYTES, room);
  if (cap < MIN_RESULT_REF_BYTES) {
    throw new InvalidFanoutInputError(
      'inputs',
      `${n} children leave ${room} bytes for each child's result within the ${FANOUT_STATE_BUDGET_BYTES}-byte state budget (at least ${MIN_RESULT_REF_BYTES} needed): split it into a fan-out of fan-outs or use shorter references`,
    );
  }
  return cap;
}

/**
 * Checks a fan-out's options and returns them with their defaults applied; throws
 * `InvalidFanoutInputError` naming the field. The workflow runs it first; `startFanout` runs it before
 * starting anything.
 */
export function validateFanoutOptions(
  options: FanoutOptions,
  context: FanoutValidationContext = {},
): FanoutConfig {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidFanoutInputError('options', 'expected an object');
  }
  if (typeof options.childWorkflowType !== 'string' || options.childWorkflowType === '') {
    throw new InvalidFanoutInputError('childWorkflowType', 'must be a non-empty string');
  }
  if (!Array.isArray(options.inputs)) throw new InvalidFanoutInputError('inputs', 'must be an array');
  const badInput = options.inputs.findIndex((ref) => !isFanoutRef(ref));
  if (badInput >= 0) {
    throw new InvalidFanoutInputError(`inputs[${badInput}]`, 'must be a non-empty string or a DataRef');
  }
  const policy = options.policy ?? 'all-settled';
  checkPolicy(policy, options.inputs.length);
  const window = integerOption(options, 'window', 1) ?? 10;
  const startAhead = integerOption(options, 'startAhead', 1) ?? window;
  if (window + startAhead > 1900) {
    throw new InvalidFanoutInputError(
      'window',
      `window + startAhead is ${window + startAhead}; keep it within 1,900 (Temporal allows 2,000 pending children)`,
    );
  }
  const size = payloadSize(options);
  if (size > MAX_FANOUT_INPUT_BYTES) {
    throw new InvalidFanoutInputError(
      'inputs',
      `options take ${size} bytes, more than ${MAX_FANOUT_INPUT_BYTES}: split the fan-out or use shorter references`,
    );
  }
  return {
    childWorkflowType: options.childWorkflowType,
    inputs: options.inputs,
    policy,
    window,
    startAhead,
    childTaskQueue: options.childTaskQueue,
    childIdPrefix: options.childIdPrefix,
    childTimeoutMs: optionalDuration('childTimeout', options.childTimeout),
    deadlineMs: optionalDuration('deadline', options.deadline),
    cleanupGraceMs: optionalDuration('cleanupGrace', options.cleanupGrace) ?? 10_000,
    childExecutionTimeoutMs: optionalDuration('childExecutionTimeout', options.childExecutionTimeout),
    livenessCheckIntervalMs: livenessCheckInterval(options.livenessCheckInterval),
    ...(context.unbounded
      ? {}
      : { maxResultRefBytes: maxResultRefBytes(options, window + startAhead, context.parentWorkflowId) }),
    maxHistoryEvents: integerOption(options, 'maxHistoryEvents', 50),
  };
}
