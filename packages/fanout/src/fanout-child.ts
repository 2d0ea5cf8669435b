import type { Duration } from '@temporalio/common';
import { CancellationScope, condition, isCancellation, log, workflowInfo } from '@temporalio/workflow';
import {
  ExternalWorkflowNotFoundError,
  setTypedHandler,
  signalWorkflow,
} from '@temporal-patterns/signal-utils';
import { durationToMs } from '@temporal-patterns/signal-utils/pattern-kit';
import { errorMessage, FanoutChildFailedError, InvalidFanoutInputError } from './errors.js';
import {
  fanoutCleanupSignal,
  fanoutLivenessCheckSignal,
  fanoutReportSignal,
  fanoutStartSignal,
  type FanoutChildIdentity,
  type FanoutCleanup,
  type FanoutRef,
  type FanoutReport,
  type FanoutStart,
} from './definitions.js';

/** What a child's work returns: where its result is and, optionally, a number the parent sums. */
export interface FanoutChildResult {
  /** Where the result is. Keep it a reference: it is stored in the parent's history. */
  resultRef?: FanoutRef;
  /** A number the parent sums over every child that is done (records written, bytes…). */
  value?: number;
}

/**
 * Sends one report to the fan-out parent, by workflow id without run id so it reaches the parent's
 * latest run; the parent counts each child once, so sending again is harmless. A parent that has
 * already closed is logged, not thrown: the child has nobody left to tell. Returns whether it was
 * delivered.
 */
export async function reportToFanoutParent(
  child: FanoutChildIdentity,
  report: Pick<FanoutReport, 'status' | 'resultRef' | 'value' | 'error'>,
): Promise<boolean> {
  const payload: FanoutReport = {
    fanoutId: child.fanoutId,
    parentWorkflowId: child.parentWorkflowId,
    index: child.index,
    childId: child.childId,
    status: report.status,
    ...(report.resultRef !== undefined ? { resultRef: report.resultRef } : {}),
    ...(report.value !== undefined ? { value: report.value } : {}),
    ...(report.error !== undefined ? { error: report.error } : {}),
  };
  try {
    await signalWorkflow(child.parentWorkflowId, fanoutReportSignal, payload);
    return true;
  } catch (err) {
    if (!(err instanceof ExternalWorkflowNotFoundError)) throw err;
    log.warn(`Fan-out parent ${child.parentWorkflowId} is gone; report "${report.status}" dropped`, {
      childId: child.childId,
      parentWorkflowId: child.parentWorkflowId,
    });
    return false;
  }
}

/** Reports `done` with a result reference (see {@link reportToFanoutParent}). */
export function reportFanoutDone(
  child: FanoutChildIdentity,
  result: FanoutChildResult = {},
): Promise<boolean> {
  return reportToFanoutParent(child, { status: 'done', ...result });
}

/** Reports `failed` with a reason (see {@link reportToFanoutParent}). */
export function reportFanoutFailed(child: FanoutChildIdentity, error: unknown): Promise<boolean> {
  return reportToFanoutParent(child, {
    status: 'failed',
    error: errorMessage(error),
  });
}

/** Options of {@link runFanoutChild}. */
export interface RunFanoutChildOptions {
  /** How long to wait for the start signal; after that the child returns `undefined` without reporting. Defaults to no limit. */
  startTimeout?: Duration;
  /** Runs (not cancellable) after the work was cancelled by a clean-up request, before `cleaned-up` is reported. */
  onCleanup?: (request: FanoutCleanup) => Promise<void> | void;
}

/**
 * The whole child side of a fan-out, for the body of a child workflow: waits for the parent's start
 * signal, runs `work` on the input reference, and reports `done` (with the returned result) or
 * `failed` to the parent. A clean-up signal cancels `work` (its timers and activities see the
 * cancellation), runs `onCleanup`, reports `cleaned-up` and returns `undefined`.
 *
 * After reporting a failure it throws `FanoutChildFailedError`, so the child run shows as failed too.
 *
 * @example
 * export async function resizePhoto(): Promise<void> {
 *   await runFanoutChild(async (input) => {
 *     const resultRef = await resize(String(input)); // an activity
 *     return { resultRef };
 *   });
 * }
 */
export async function runFanoutChild(
  work: (input: FanoutRef, start: FanoutStart) => Promise<FanoutChildResult | void>,
  options: RunFanoutChildOptions = {},
): Promise<FanoutChildResult | undefined> {
  let start: FanoutStart | undefined;
  let cleanup: FanoutCleanup | undefined;
  const scope = new CancellationScope();
  // Only the parent that started this child may start or clean it up: a signal naming another child,
  // parent or fan-out is refused, so nobody else can end the child or make it report elsewhere.
  const info = workflowInfo();
  const refusal = (payload: FanoutChildIdentity): string | undefined => {
    if (payload.childId !== info.workflowId) return `it names child ${payload.childId}`;
    const parentId = info.parent?.workflowId;
    if (parentId !== undefined && payload.parentWorkflowId !== parentId)
      return `it names parent ${payload.parentWorkflowId}`;
    if (start && payload.fanoutId !== start.fanoutId) return `it names fan-out ${payload.fanoutId}`;
    return undefined;
  };
  const accept = (what: string, payload: FanoutChildIdentity): boolean => {
    const why = refusal(payload);
    if (why === undefined) return true;
    log.warn(`Fan-out ${what} refused: ${why.slice(0, 300)}`, {
      childId: info.workflowId,
      parentWorkflowId: info.parent?.workflowId,
    });
    return false;
  };
  setTypedHandler(fanoutStartSignal, (payload) => {
    if (accept('start', payload)) start ??= payload;
  });
  // The parent's liveness check needs only the delivery; a handler keeps it out of the signal buffer.
  setTypedHandler(fanoutLivenessCheckSignal, () => undefined);
  setTypedHandler(fanoutCleanupSignal, (payload) => {
    if (cleanup || !accept('clean-up', payload)) return;
    cleanup = payload;
    scope.cancel();
  });
  let startTimeoutMs: number | undefined;
  try {
    startTimeoutMs = options.startTimeout === undefined ? undefined : durationToMs(options.startTimeout);
  } catch {
    throw new InvalidFanoutInputError('startTimeout', `not a duration: ${String(options.startTimeout)}`);
  }
  const arrived = () => start !== undefined || cleanup !== undefined;
  if (startTimeoutMs === undefined) await condition(arrived);
  else await condition(arrived, startTimeoutMs);

  const cleanedUp = async (request: FanoutCleanup): Promise<undefined> => {
    await CancellationScope.nonCancellable(async () => {
      await options.onCleanup?.(request);
      await reportToFanoutParent(request, { status: 'cleaned-up' });
    });
    return undefined;
  };
  if (!start) {
    if (cleanup) return cleanedUp(cleanup);
    log.warn('Fan-out child got no start signal in time; ending without a report');
    return undefined;
  }
  const started = start;

  let result: FanoutChildResult | void;
  try {
    result = await scope.run(() => work(started.input, started));
  } catch (err) {
    if (isCancellation(err)) {
      if (cleanup) return cleanedUp(cleanup);
      // The child workflow itself was cancelled: tell the parent, then end cancelled.
      await cleanedUp({ ...started, reason: 'cancelled' });
      throw err;
    }
    const reason = errorMessage(err);
    await reportFanoutFailed(started, err);
    throw new FanoutChildFailedError(started.parentWorkflowId, started.childId, started.index, reason);
  }
  const value = result ?? {};
  await reportFanoutDone(started, value);
  return value;
}
