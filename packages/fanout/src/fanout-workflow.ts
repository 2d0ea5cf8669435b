import type { Duration } from '@temporalio/common';
import {
  CancellationScope,
  ParentClosePolicy,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import {
  ExternalWorkflowNotFoundError,
  setTypedHandler,
  signalWorkflow,
} from '@temporal-patterns/signal-utils';
import {
  WorkflowLoop,
  durationToMs,
  integerAtLeast,
  isExternalWorkflowNotFound,
  payloadSize,
  shouldContinueAsNew,
  type PayloadRecord,
} from '@temporal-patterns/signal-utils/pattern-kit';
import { InvalidFanoutInputError, UnknownFanoutChildError } from './errors.js';
import {
  fanoutCleanupSignal,
  fanoutProgressQuery,
  fanoutReportSignal,
  fanoutStartSignal,
  isFanoutRef,
  type FanoutChildIdentity,
  type FanoutCleanupReason,
  type FanoutProgress,
  type FanoutRef,
  type FanoutReport,
} from './definitions.js';

/**
 * When the fan-out is finished:
 * - `'all-settled'`: every child has an outcome (done, failed or timed out).
 * - `'fail-fast'`: the first failure (or per-child timeout) ends it; the rest are cleaned up.
 * - `{ quorum: k }`: `k` children done ends it (the rest are cleaned up); it fails as soon as `k` can no
 *   longer be reached.
 */
export type FanoutPolicy = 'all-settled' | 'fail-fast' | { quorum: number };

/** Outcome of one child: `skipped` children were never released (the fan-out ended first). */
export type FanoutChildStatus = 'done' | 'failed' | 'timed-out' | 'cancelled' | 'skipped';

/**
 * Outcome of the whole fan-out: `completed` (every child settled, or the quorum was reached), `failed`
 * (fail-fast saw a failure, or the quorum became impossible), `timed-out` (the overall deadline passed).
 * A cancelled fan-out cleans up its children and ends cancelled rather than returning a summary.
 */
export type FanoutStatus = 'completed' | 'failed' | 'timed-out';

/** Options of a fan-out (the argument of {@link fanoutWorkflow}). */
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
   * Continue as new once a run's history reaches this many events (the parent also continues when the
   * server suggests it). At least 50. Defaults to the server's suggestion only.
   */
  maxHistoryEvents?: number;
}

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

/** What {@link fanoutWorkflow} returns. */
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

interface CompactOutcome {
  s: FanoutChildStatus;
  r?: FanoutRef;
  v?: number;
  e?: string;
}

type Phase = 'starting' | 'waiting' | 'running' | 'cleaning' | 'cancelling';

interface ActiveChild {
  index: number;
  phase: Phase;
  released: boolean;
  releasedAt?: number;
  cleanupBy?: number;
}

interface Counts {
  released: number;
  done: number;
  failed: number;
  timedOut: number;
  cancelled: number;
  skipped: number;
  valueSum: number;
  maxRunning: number;
  duplicateReports: number;
  rejectedReports: number;
}

/** State carried from one run of the parent to the next. Internal: its shape may change between versions. */
export interface FanoutCarriedState {
  fanoutId: string;
  startedAt: number;
  run: number;
  nextToStart: number;
  active: ActiveChild[];
  outcomes: (CompactOutcome | null)[];
  counts: Counts;
  stop?: { status: FanoutStatus; reason: FanoutCleanupReason };
}

/** Argument of {@link fanoutWorkflow}: the options, plus state carried over by continue-as-new. */
export interface FanoutWorkflowInput extends FanoutOptions {
  /** Set by the workflow itself when it continues as new; leave it out. */
  carried?: FanoutCarriedState;
}

/** Most bytes the options (mostly `inputs`) may take: they are carried into every run. */
export const MAX_FANOUT_INPUT_BYTES = 1024 * 1024;

/** The normalized options of a fan-out, with durations in ms. */
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
  maxHistoryEvents?: number;
}

function integerOption(
  options: FanoutOptions,
  field: 'window' | 'startAhead' | 'maxHistoryEvents',
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

/**
 * Checks a fan-out's options and returns them normalized; throws `InvalidFanoutInputError` naming the
 * field. The workflow runs it first; `startFanout` runs it before starting anything.
 */
export function validateFanoutOptions(options: FanoutOptions): FanoutConfig {
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
  const n = options.inputs.length;
  const policy = options.policy ?? 'all-settled';
  if (typeof policy === 'object' && policy !== null) {
    const k = policy.quorum;
    if (!Number.isInteger(k) || k < 1 || k > n) {
      throw new InvalidFanoutInputError(
        'policy.quorum',
        `must be an integer from 1 to ${n}, got ${String(k)}`,
      );
    }
  } else if (policy !== 'all-settled' && policy !== 'fail-fast') {
    throw new InvalidFanoutInputError(
      'policy',
      `must be 'all-settled', 'fail-fast' or { quorum: k }, got ${JSON.stringify(policy)}`,
    );
  }
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
    maxHistoryEvents: integerOption(options, 'maxHistoryEvents', 50),
  };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The fan-out parent. Starts one child workflow per input (in batches, `startAhead` ahead of the
 * window), releases them in input order with a start signal carrying their input reference while at
 * most `window` run at once, and collects the children's reports (deduplicated by child) until its
 * policy is met. Stragglers (per-child timeout, overall deadline, fail-fast, quorum reached) are sent a
 * clean-up signal and cancelled if they have not ended after `cleanupGrace`.
 *
 * Children are started with `ParentClosePolicy.ABANDON` because the parent continues as new (a closing
 * run would otherwise terminate them); they report to the parent's workflow id without a run id, so
 * their reports reach the latest run. Before continuing as new the parent waits for its own starts,
 * signals and cancellations to be acknowledged, so nothing is sent twice or lost.
 *
 * Malformed reports and reports from unknown children are logged and ignored; the parent keeps running.
 * Invalid options fail the workflow at once with `InvalidFanoutInputError`.
 *
 * @example
 * const summary = await client.workflow.execute(fanoutWorkflow, {
 *   taskQueue, workflowId: 'resize-photos',
 *   args: [{ childWorkflowType: 'resizePhoto', inputs: ['s3://photos/1', 's3://photos/2'], window: 5 }],
 * });
 */
export async function fanoutWorkflow(input: FanoutWorkflowInput): Promise<FanoutSummary> {
  const { carried, ...options } = input;
  const cfg = validateFanoutOptions(options);
  const info = workflowInfo();
  const n = cfg.inputs.length;
  const prefix = cfg.childIdPrefix ?? `${info.workflowId}/`;
  const childIdOf = (index: number): string => `${prefix}${index}`;

  const st: FanoutCarriedState = carried
    ? { ...carried, run: carried.run + 1 }
    : {
        fanoutId: info.runId,
        startedAt: Date.now(),
        run: 1,
        nextToStart: 0,
        active: [],
        outcomes: new Array<CompactOutcome | null>(n).fill(null),
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
  const active = new Map<number, ActiveChild>(st.active.map((a) => [a.index, a]));
  const loop = new WorkflowLoop();
  let progressThisRun = 0;
  let cancelRequested = false;
  const identityOf = (index: number): FanoutChildIdentity => ({
    fanoutId: st.fanoutId,
    parentWorkflowId: info.workflowId,
    index,
    childId: childIdOf(index),
  });

  function settle(index: number, outcome: CompactOutcome): void {
    if (st.outcomes[index]) return;
    st.outcomes[index] = outcome;
    progressThisRun++;
    const c = st.counts;
    if (outcome.s === 'done') {
      c.done++;
      c.valueSum += outcome.v ?? 0;
    } else if (outcome.s === 'failed') c.failed++;
    else if (outcome.s === 'timed-out') c.timedOut++;
    else if (outcome.s === 'cancelled') c.cancelled++;
    else c.skipped++;
  }

  function end(child: ActiveChild): void {
    if (active.get(child.index) === child) active.delete(child.index);
  }

  const running = (): number => {
    let count = 0;
    for (const a of active.values()) if (a.released) count++;
    return count;
  };

  // Every command runs outside cancellation: cancelling the parent must not half-send them.
  function command<T>(
    run: () => Promise<T>,
    onOk: (value: T) => void,
    onError: (err: unknown) => void,
  ): void {
    loop.spawn(() => CancellationScope.nonCancellable(run).then(onOk, onError));
  }

  function startOne(index: number): void {
    const child: ActiveChild = { index, phase: 'starting', released: false };
    active.set(index, child);
    progressThisRun++;
    command(
      () =>
        startChild(cfg.childWorkflowType, {
          workflowId: childIdOf(index),
          taskQueue: cfg.childTaskQueue ?? info.taskQueue,
          parentClosePolicy: ParentClosePolicy.ABANDON,
          ...(cfg.childExecutionTimeoutMs !== undefined
            ? { workflowExecutionTimeout: cfg.childExecutionTimeoutMs }
            : {}),
          args: [],
        }),
      (handle) => {
        if (child.phase === 'starting') child.phase = 'waiting';
        // Only children started by this run can be watched; others are tracked by their reports.
        void handle.result().then(
          () => childClosed(child, 'the child ended without reporting'),
          (err: unknown) => childClosed(child, `the child ended without reporting: ${errorMessage(err)}`),
        );
      },
      (err) => {
        log.warn(`Fan-out could not start child ${childIdOf(index)}: ${errorMessage(err)}`, {
          childId: childIdOf(index),
        });
        settle(index, { s: 'failed', e: `could not start: ${errorMessage(err)}` });
        end(child);
      },
    );
  }

  function childClosed(child: ActiveChild, reason: string): void {
    if (active.get(child.index) !== child) return;
    settle(child.index, { s: 'failed', e: reason });
    end(child);
    loop.wake();
  }

  function childDeadline(child: ActiveChild): number | undefined {
    const perChild =
      cfg.childTimeoutMs !== undefined && child.releasedAt !== undefined
        ? child.releasedAt + cfg.childTimeoutMs
        : undefined;
    const overall = cfg.deadlineMs !== undefined ? st.startedAt + cfg.deadlineMs : undefined;
    if (perChild === undefined) return overall;
    return overall === undefined ? perChild : Math.min(perChild, overall);
  }

  function release(child: ActiveChild): void {
    child.phase = 'running';
    child.released = true;
    child.releasedAt = Date.now();
    st.counts.released++;
    st.counts.maxRunning = Math.max(st.counts.maxRunning, running());
    progressThisRun++;
    const deadline = childDeadline(child);
    const index = child.index;
    command(
      () =>
        signalWorkflow(childIdOf(index), fanoutStartSignal, {
          ...identityOf(index),
          input: cfg.inputs[index]!,
          ...(deadline !== undefined ? { deadline } : {}),
        }),
      () => undefined,
      (err) => {
        log.warn(`Fan-out could not release child ${childIdOf(index)}: ${errorMessage(err)}`, {
          childId: childIdOf(index),
        });
        settle(index, { s: 'failed', e: `could not release: ${errorMessage(err)}` });
        end(child);
      },
    );
  }

  function cleanUp(child: ActiveChild, reason: FanoutCleanupReason): void {
    child.phase = 'cleaning';
    child.cleanupBy = Date.now() + cfg.cleanupGraceMs;
    const index = child.index;
    command(
      () => signalWorkflow(childIdOf(index), fanoutCleanupSignal, { ...identityOf(index), reason }),
      () => undefined,
      (err) => {
        // A child that has already closed needs no clean-up.
        if (err instanceof ExternalWorkflowNotFoundError) end(child);
        else log.warn(`Fan-out could not signal clean-up to ${childIdOf(index)}: ${errorMessage(err)}`);
      },
    );
  }

  function cancelChild(child: ActiveChild): void {
    child.phase = 'cancelling';
    const childId = childIdOf(child.index);
    command(
      () => getExternalWorkflowHandle(childId).cancel(),
      () => end(child),
      (err) => {
        if (!isExternalWorkflowNotFound(err)) {
          log.warn(`Fan-out could not cancel child ${childId}: ${errorMessage(err)}`, { childId });
        }
        end(child);
      },
    );
  }

  function onReport(report: FanoutReport): void {
    const reject = (reason: string): void => {
      st.counts.rejectedReports++;
      const error = new UnknownFanoutChildError(info.workflowId, report.childId, report.index, reason);
      log.warn(error.message, { childId: report.childId, index: report.index, reason });
    };
    if (report.fanoutId !== st.fanoutId) return reject(`it belongs to fan-out ${report.fanoutId}`);
    if (report.index >= n) return reject(`index out of range (${n} children)`);
    if (report.childId !== childIdOf(report.index))
      return reject(`expected child id ${childIdOf(report.index)}`);
    const child = active.get(report.index);
    if (st.outcomes[report.index]) {
      if (report.status !== 'cleaned-up') st.counts.duplicateReports++;
    } else if (!child || !child.released) {
      return reject('the child was never released');
    } else if (report.status === 'done') {
      settle(report.index, {
        s: 'done',
        ...(report.resultRef !== undefined ? { r: report.resultRef } : {}),
        ...(report.value !== undefined ? { v: report.value } : {}),
      });
    } else if (report.status === 'failed') {
      settle(report.index, { s: 'failed', e: report.error ?? 'failed' });
    } else {
      settle(report.index, { s: 'cancelled', e: 'the child cleaned up on its own' });
    }
    if (child && child.phase !== 'starting') end(child);
    loop.wake();
  }

  function decide(): void {
    if (st.stop) return;
    const c = st.counts;
    const settled = c.done + c.failed + c.timedOut + c.cancelled + c.skipped;
    if (cfg.deadlineMs !== undefined && Date.now() >= st.startedAt + cfg.deadlineMs && settled < n) {
      st.stop = { status: 'timed-out', reason: 'timed-out' };
    } else if (cfg.policy === 'fail-fast' && c.failed + c.timedOut > 0) {
      st.stop = { status: 'failed', reason: 'fail-fast' };
    } else if (typeof cfg.policy === 'object') {
      if (c.done >= cfg.policy.quorum) st.stop = { status: 'completed', reason: 'quorum-reached' };
      else if (n - (c.failed + c.timedOut + c.cancelled + c.skipped) < cfg.policy.quorum) {
        st.stop = { status: 'failed', reason: 'quorum-impossible' };
      }
    }
    if (st.stop) {
      log.info(`Fan-out ${info.workflowId} stops: ${st.stop.reason}`, { ...c });
    }
  }

  function step(): void {
    const now = Date.now();
    decide();
    for (const child of [...active.values()]) {
      const deadline = childDeadline(child);
      if (child.phase === 'running' && deadline !== undefined && now >= deadline) {
        settle(child.index, { s: 'timed-out', e: 'no report before the deadline' });
        cleanUp(child, 'timed-out');
      }
    }
    decide();
    if (st.stop) {
      const { reason } = st.stop;
      for (const child of active.values()) {
        if (child.phase === 'waiting') {
          settle(child.index, { s: 'skipped', e: `never released (${reason})` });
          cleanUp(child, reason);
        } else if (child.phase === 'running') {
          settle(
            child.index,
            reason === 'timed-out'
              ? { s: 'timed-out', e: 'no report before the deadline' }
              : { s: 'cancelled', e: `cancelled (${reason})` },
          );
          cleanUp(child, reason);
        }
      }
      for (; st.nextToStart < n; st.nextToStart++) {
        settle(st.nextToStart, { s: 'skipped', e: `never released (${reason})` });
      }
    }
    for (const child of [...active.values()]) {
      if (child.phase === 'cleaning' && child.cleanupBy !== undefined && now >= child.cleanupBy) {
        cancelChild(child);
      }
    }
  }

  function launch(): void {
    let waiting = 0;
    for (const a of active.values()) if (!a.released) waiting++;
    while (!st.stop && st.nextToStart < n && waiting < cfg.startAhead) {
      startOne(st.nextToStart++);
      waiting++;
    }
    let slots = cfg.window - running();
    // Map iteration follows insertion order, which is input order.
    for (const child of [...active.values()].sort((a, b) => a.index - b.index)) {
      if (slots <= 0 || st.stop) break;
      if (child.phase === 'waiting') {
        release(child);
        slots--;
      }
    }
  }

  function nextWakeAt(): number | undefined {
    let at: number | undefined;
    const consider = (t: number | undefined): void => {
      if (t !== undefined && (at === undefined || t < at)) at = t;
    };
    // Only while some child has no outcome: past the deadline that would wake the loop again and again.
    if (!st.stop && cfg.deadlineMs !== undefined && st.outcomes.some((o) => o === null)) {
      consider(st.startedAt + cfg.deadlineMs);
    }
    for (const child of active.values()) {
      if (child.phase === 'running') consider(childDeadline(child));
      if (child.phase === 'cleaning') consider(child.cleanupBy);
    }
    return at;
  }

  const finished = (): boolean =>
    st.nextToStart >= n &&
    active.size === 0 &&
    loop.pendingTasks === 0 &&
    st.outcomes.every((o) => o !== null);

  function progress(): FanoutProgress {
    const c = st.counts;
    return {
      phase: finished() ? 'finished' : st.stop ? 'cleaning-up' : 'running',
      total: n,
      started: c.released,
      running: running(),
      done: c.done,
      failed: c.failed,
      timedOut: c.timedOut,
      cancelled: c.cancelled,
      skipped: c.skipped,
      pending: st.outcomes.filter((o) => o === null).length,
      maxRunning: c.maxRunning,
      duplicateReports: c.duplicateReports,
      rejectedReports: c.rejectedReports,
      run: st.run,
    };
  }

  setTypedHandler(fanoutReportSignal, onReport, {
    onInvalid: () => {
      st.counts.rejectedReports++;
    },
  });
  setHandler(fanoutProgressQuery, progress);

  async function drive(): Promise<void> {
    let draining = false;
    for (;;) {
      step();
      if (finished()) return;
      if (
        !draining &&
        !cancelRequested &&
        progressThisRun > 0 &&
        shouldContinueAsNew({ maxHistoryEvents: cfg.maxHistoryEvents })
      ) {
        draining = true;
      }
      if (draining && loop.pendingTasks === 0) {
        await loop.drainAndContinueAsNew<typeof fanoutWorkflow>(() => [
          {
            ...options,
            carried: {
              ...st,
              active: [...active.values()].map((a) => ({ ...a })),
            },
          },
        ]);
      }
      if (!draining) launch();
      // Nothing due keeps an armed timer rather than cancelling it: a cancellation is one more command.
      const wakeAt = nextWakeAt();
      if (wakeAt !== undefined) loop.wakeAt(wakeAt);
      await loop.waitForChange(loop.mark());
    }
  }

  try {
    await drive();
  } catch (err) {
    if (!isCancellation(err)) throw err;
    cancelRequested = true;
    st.stop ??= { status: 'failed', reason: 'cancelled' };
    // Cancelling the workflow cancelled the armed timer too; forget it so the clean-up can arm its own.
    loop.wakeAt(undefined);
    await CancellationScope.nonCancellable(drive);
    throw err;
  }

  const c = st.counts;
  return {
    status: st.stop?.status ?? 'completed',
    ...(st.stop ? { reason: st.stop.reason } : {}),
    total: n,
    done: c.done,
    failed: c.failed,
    timedOut: c.timedOut,
    cancelled: c.cancelled,
    skipped: c.skipped,
    valueSum: c.valueSum,
    runs: st.run,
    maxRunning: c.maxRunning,
    duplicateReports: c.duplicateReports,
    rejectedReports: c.rejectedReports,
    outcomes: st.outcomes.map((o, index) => ({
      index,
      childId: childIdOf(index),
      status: o?.s ?? 'skipped',
      ...(o?.r !== undefined ? { resultRef: o.r } : {}),
      ...(o?.v !== undefined ? { value: o.v } : {}),
      ...(o?.e !== undefined ? { error: o.e } : {}),
    })),
  };
}
