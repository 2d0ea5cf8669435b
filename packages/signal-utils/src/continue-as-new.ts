import {
  allHandlersFinished,
  condition,
  continueAsNew,
  workflowInfo,
  type Workflow,
} from '@temporalio/workflow';

/**
 * True when this run should continue as new: the server suggests it (history near its limits), or the
 * history has reached `maxHistoryEvents` when given.
 */
export function shouldContinueAsNew(options: { maxHistoryEvents?: number } = {}): boolean {
  const info = workflowInfo();
  return (
    info.continueAsNewSuggested ||
    (options.maxHistoryEvents !== undefined && info.historyLength >= options.maxHistoryEvents)
  );
}

/**
 * Waits until every signal and update handler has finished, then continues as new with the arguments
 * `buildArgs` returns. `buildArgs` runs after the handlers finished, so the state it snapshots (channel
 * buffers, sequence counters, seen ids) includes everything they received: nothing is lost or repeated.
 *
 * @example
 * if (shouldContinueAsNew()) {
 *   await drainAndContinueAsNew<typeof consumer>(() => [{ ...input, inbox: receiver.snapshot() }]);
 * }
 */
export async function drainAndContinueAsNew<F extends Workflow>(
  buildArgs: () => Parameters<F>,
): Promise<never> {
  await condition(allHandlersFinished);
  return continueAsNew<F>(...buildArgs());
}
