// Client entry: code for workers, activities and clients. Never imported by workflow code.
import type { Client, WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { sendSignal } from '@temporal-patterns/signal-utils/client';
import {
  fanoutProgressQuery,
  fanoutReportSignal,
  type FanoutProgress,
  type FanoutReport,
} from './definitions.js';
import { validateFanoutOptions, type FanoutOptions } from './fanout-options.js';
import { fanoutWorkflow } from './fanout-workflow.js';

export * from './index.js';
export type { FanoutProgress, FanoutReport } from './definitions.js';

/** Where and as what to start a fan-out parent. */
export interface StartFanoutOptions extends FanoutOptions {
  /** Workflow id of the parent; children are `<workflowId>/<index>` unless `childIdPrefix` says otherwise. */
  workflowId: string;
  /** Task queue of the parent (and of the children unless `childTaskQueue` is set). */
  taskQueue: string;
}

/**
 * Validates the options (throwing `InvalidFanoutInputError` before anything starts) and starts a
 * {@link fanoutWorkflow}. `await handle.result()` gives the `FanoutSummary`.
 *
 * @example
 * const handle = await startFanout(client, {
 *   workflowId: 'resize-photos', taskQueue: 'photos',
 *   childWorkflowType: 'resizePhoto', inputs: refs, window: 20, policy: 'fail-fast',
 * });
 * console.log(await getFanoutProgress(handle));
 */
export async function startFanout(
  client: Client,
  options: StartFanoutOptions,
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof fanoutWorkflow>> {
  const { workflowId, taskQueue, ...fanout } = options;
  validateFanoutOptions(fanout, { parentWorkflowId: workflowId });
  return client.workflow.start(fanoutWorkflow, { workflowId, taskQueue, args: [fanout] });
}

/** The fan-out's progress counts (query `fanout.progress`). */
export function getFanoutProgress(handle: WorkflowHandle): Promise<FanoutProgress> {
  return handle.query(fanoutProgressQuery);
}

/**
 * Reports for a child from outside a workflow (an application or an activity that finished the
 * child's work). Validates the report first: a malformed one throws `InvalidSignalPayloadError`, a
 * closed or unknown parent `ExternalWorkflowNotFoundError`.
 */
export async function sendFanoutReport(client: Client, report: FanoutReport): Promise<void> {
  await sendSignal(client, report.parentWorkflowId, fanoutReportSignal, report);
}
