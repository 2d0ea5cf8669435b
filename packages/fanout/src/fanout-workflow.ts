import {
  CancellationScope,
  ParentClosePolicy,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
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
  isExternalWorkflowNotFound,
  shouldContinueAsNew,
} from '@temporal-patterns/signal-utils/pattern-kit';
import {
  fanoutCleanupSignal,
  fanoutLivenessCheckSignal,
  fanoutProgressQuery,
  fanoutReportSignal,
  fanoutStartSignal,
  type FanoutChildIdentity,
} from './definitions.js';
import { errorMessage } from './errors.js';
import { FanoutMachine, type FanoutCommand } from './fanout-machine.js';
import type { FanoutCarriedState } from './fanout-state.js';
import { validateFanoutOptions, type FanoutOptions } from './fanout-options.js';
import type { FanoutSummary } from './fanout-summary.js';

/** Argument of {@link fanoutWorkflow}: the options, plus state carried over by continue-as-new. */
export interface FanoutWorkflowInput extends FanoutOptions {
  /** Set by the workflow itself when it continues as new; leave it out. */
  carried?: FanoutCarriedState;
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
  const info = workflowInfo();
  const config = validateFanoutOptions(options, {
    parentWorkflowId: info.workflowId,
    // Runs recorded before the state budget existed kept every resultRef and error whole.
    unbounded: !patched('fanout-bounded-outcomes'),
  });
  const machine = new FanoutMachine(config, {
    childIdPrefix: config.childIdPrefix ?? `${info.workflowId}/`,
    fanoutId: info.runId,
    now: Date.now(),
    carried,
    // Runs recorded before the liveness check issued no check signals and must replay without them.
    checkLiveness: patched('fanout-liveness-check'),
  });
  const loop = new WorkflowLoop();
  let cancelRequested = false;

  const identityOf = (index: number): FanoutChildIdentity => ({
    fanoutId: machine.fanoutId,
    parentWorkflowId: info.workflowId,
    index,
    childId: machine.childIdOf(index),
  });

  // Every command runs outside cancellation: cancelling the parent must not half-send it.
  function send<T>(run: () => Promise<T>, onOk: (value: T) => void, onError: (err: unknown) => void): void {
    loop.spawn(() => CancellationScope.nonCancellable(run).then(onOk, onError));
  }

  function childClosed(index: number, reason: string): void {
    if (machine.childClosed(index, reason)) loop.wake();
  }

  function carryOut(command: FanoutCommand): void {
    const { index } = command;
    const childId = machine.childIdOf(index);
    switch (command.kind) {
      case 'start':
        return send(
          () =>
            startChild(config.childWorkflowType, {
              workflowId: childId,
              taskQueue: config.childTaskQueue ?? info.taskQueue,
              parentClosePolicy: ParentClosePolicy.ABANDON,
              ...(config.childExecutionTimeoutMs !== undefined
                ? { workflowExecutionTimeout: config.childExecutionTimeoutMs }
                : {}),
              args: [],
            }),
          (handle) => {
            machine.started(index);
            // Only children started by this run can be watched; later runs check them with signals.
            void handle.result().then(
              () => childClosed(index, 'the child ended without reporting'),
              (err: unknown) => childClosed(index, `the child ended without reporting: ${errorMessage(err)}`),
            );
          },
          (err) => {
            log.warn(`Fan-out could not start child ${childId}: ${errorMessage(err)}`, { childId });
            machine.startFailed(index, errorMessage(err));
          },
        );
      case 'release':
        return send(
          () =>
            signalWorkflow(childId, fanoutStartSignal, {
              ...identityOf(index),
              input: command.input,
              ...(command.deadline !== undefined ? { deadline: command.deadline } : {}),
            }),
          () => undefined,
          (err) => {
            log.warn(`Fan-out could not release child ${childId}: ${errorMessage(err)}`, { childId });
            machine.releaseFailed(index, errorMessage(err));
          },
        );
      case 'clean-up':
        return send(
          () =>
            signalWorkflow(childId, fanoutCleanupSignal, { ...identityOf(index), reason: command.reason }),
          () => undefined,
          (err) => {
            // A child that has already closed needs no clean-up.
            if (err instanceof ExternalWorkflowNotFoundError) machine.ended(index);
            else log.warn(`Fan-out could not signal clean-up to ${childId}: ${errorMessage(err)}`);
          },
        );
      case 'cancel':
        return send(
          () => getExternalWorkflowHandle(childId).cancel(),
          () => machine.ended(index),
          (err) => {
            if (!isExternalWorkflowNotFound(err)) {
              log.warn(`Fan-out could not cancel child ${childId}: ${errorMessage(err)}`, { childId });
            }
            machine.ended(index);
          },
        );
      case 'check':
        return send(
          () => signalWorkflow(childId, fanoutLivenessCheckSignal, identityOf(index)),
          () => undefined,
          (err) => {
            if (err instanceof ExternalWorkflowNotFoundError) {
              childClosed(index, 'the child closed without reporting (found by the liveness check)');
            } else log.warn(`Fan-out could not check child ${childId}: ${errorMessage(err)}`, { childId });
          },
        );
    }
  }

  setTypedHandler(
    fanoutReportSignal,
    (report) => {
      const rejected = machine.report(report);
      if (rejected === undefined) return loop.wake();
      const { childId, index } = report;
      log.warn(
        `Fan-out ${info.workflowId} ignored a report from child ${childId} (index ${index}): ${rejected}`,
        {
          childId,
          index,
          reason: rejected,
        },
      );
    },
    { onInvalid: () => machine.rejectMalformed() },
  );
  setHandler(fanoutProgressQuery, () => machine.progress(loop.pendingTasks));

  async function drive(): Promise<void> {
    let draining = false;
    for (;;) {
      const { commands, stopped } = machine.step(Date.now());
      if (stopped) log.info(`Fan-out ${info.workflowId} stops: ${stopped.reason}`, { ...stopped.counts });
      commands.forEach(carryOut);
      if (machine.finished(loop.pendingTasks)) return;
      if (
        !draining &&
        !cancelRequested &&
        machine.madeProgress &&
        shouldContinueAsNew({ maxHistoryEvents: config.maxHistoryEvents })
      ) {
        draining = true;
      }
      if (draining && loop.pendingTasks === 0) {
        await loop.drainAndContinueAsNew<typeof fanoutWorkflow>(() => [
          { ...options, carried: machine.snapshot() },
        ]);
      }
      if (!draining) machine.launch(Date.now()).forEach(carryOut);
      // Nothing due keeps an armed timer rather than cancelling it: a cancellation is one more command.
      const wakeAt = machine.nextWakeAt();
      if (wakeAt !== undefined) loop.wakeAt(wakeAt);
      await loop.waitForChange(loop.mark());
    }
  }

  try {
    await drive();
  } catch (err) {
    if (!isCancellation(err)) throw err;
    cancelRequested = true;
    machine.cancel();
    // Cancelling the workflow cancelled the armed timer too. The loop forgets it when the timer's rejection
    // is handled, which may come after this; forget it now so the clean-up arms its own at once.
    loop.wakeAt(undefined);
    await CancellationScope.nonCancellable(drive);
    throw err;
  }
  return machine.summary();
}
