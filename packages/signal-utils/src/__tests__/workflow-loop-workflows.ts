// Fixture workflows for workflow-loop.test.ts.
import { ApplicationFailure } from '@temporalio/common';
import { condition, defineQuery, defineSignal, setHandler, workflowInfo } from '@temporalio/workflow';
import { WorkflowLoop } from '../pattern-kit.js';

export const releaseSignal = defineSignal('test.loop-release');
export const pendingTasksQuery = defineQuery<number>('test.loop-pending-tasks');
let released = false;

/**
 * Arms a timer for `firstMs`, waits for `releaseSignal` (so the next change is a workflow task of its
 * own: a timer started and cancelled in one task never reaches the history), then arms `thenMs` or, when
 * `undefined`, nothing. Reports the armed deadline and, with `waitToFire`, when the loop woke.
 */
export async function wakeAtReplaced(
  firstMs: number,
  thenMs: number | undefined,
  waitToFire: boolean,
): Promise<{ armedMs?: number; wokeAfterMs?: number }> {
  setHandler(releaseSignal, () => void (released = true));
  const loop = new WorkflowLoop();
  const start = Date.now();
  loop.wakeAt(start + firstMs);
  await condition(() => released);
  loop.wakeAt(thenMs === undefined ? undefined : start + thenMs);
  const armed = loop.wakeAtDeadline;
  if (armed === undefined || !waitToFire) return armed === undefined ? {} : { armedMs: armed - start };
  await loop.waitForChange(loop.mark());
  return { armedMs: armed - start, wokeAfterMs: Date.now() - start };
}

/**
 * Run 1 spawns a task that finishes only after `releaseSignal`, then drains and continues as new with
 * what the task wrote; run 2 returns it. The carried value shows the drain waited for the task.
 */
export async function drainWaitsForTasks(carried?: string): Promise<string> {
  if (carried !== undefined) return `${carried} (run ${workflowInfo().continuedFromExecutionRunId ? 2 : 1})`;
  const loop = new WorkflowLoop();
  let written = 'not written';
  setHandler(releaseSignal, () => void (released = true));
  setHandler(pendingTasksQuery, () => loop.pendingTasks);
  loop.spawn(async () => {
    await condition(() => released);
    written = 'written by the task';
  });
  return loop.drainAndContinueAsNew<typeof drainWaitsForTasks>(() => [written]);
}

/** A spawned task fails; the loop's next wait throws its error. */
export async function failedTaskSurfaces(): Promise<void> {
  const loop = new WorkflowLoop();
  const mark = loop.mark();
  loop.spawn(async () => {
    throw ApplicationFailure.nonRetryable('the delivery failed', 'DeliveryFailed');
  });
  await loop.waitForChange(mark);
  await loop.waitForChange(loop.mark());
}
