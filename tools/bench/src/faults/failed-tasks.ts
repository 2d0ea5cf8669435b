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

/**
 * The current run's failed workflow tasks, split by whose fault they are. The server itself force-closes
 * a task when more than 100 signals buffer while it runs (a burst), resets a sticky queue, or refuses a
 * closing command because a signal arrived meanwhile (UNHANDLED_COMMAND); the retried task handles the
 * new events. Every other cause is the workflow's code.
 */
export async function taskFailuresByFault(
  handle: WorkflowHandle,
): Promise<{ workflows: string[]; server: string[] }> {
  const causes = (await failedWorkflowTasks(handle)).map(failureCause);
  const byServer = (c: string): boolean =>
    c.startsWith('FORCE_CLOSE_COMMAND') ||
    c.startsWith('RESET_STICKY_TASK_QUEUE') ||
    c.startsWith('UNHANDLED_COMMAND');
  return { workflows: causes.filter((c) => !byServer(c)), server: causes.filter(byServer) };
}
