// Workflow tasks a workflow's history records as failed: what the malformed-payload checks count.
import type { WorkflowHandle } from '@temporalio/client';
import proto from '@temporalio/proto';

type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;

/** The WorkflowTaskFailed events of the workflow's current run. */
export async function failedWorkflowTasks(handle: WorkflowHandle): Promise<HistoryEvent[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).filter(
    (e) => e.eventType === proto.temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
  );
}

/** A failed task's cause without its enum prefix, and its failure message when there is one. */
export function failureCause(event: HistoryEvent): string {
  const attrs = event.workflowTaskFailedEventAttributes;
  const cause = proto.temporal.api.enums.v1.WorkflowTaskFailedCause[attrs?.cause ?? 0] ?? '?';
  return `${cause.replace('WORKFLOW_TASK_FAILED_CAUSE_', '')}${attrs?.failure?.message ? `: ${attrs.failure.message}` : ''}`;
}
