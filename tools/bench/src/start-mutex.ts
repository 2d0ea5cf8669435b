// The bench and the fault suite start some mutex workflows themselves, rather than letting the first
// requester's signal-with-start do it, to choose options a requester cannot set.
import type { Client, WorkflowStartOptions } from '@temporalio/client';
import { mutexWorkflow, mutexWorkflowId } from '@temporal-patterns/mutex';

export interface StartMutexOptions {
  /** Continue-as-new after this many history events. Defaults to the mutex's own limit. */
  maxHistoryEvents?: number;
  /** The mutex's workflow task timeout. Defaults to the server's 10 seconds. */
  workflowTaskTimeout?: WorkflowStartOptions['workflowTaskTimeout'];
  /** Grants by the `mutexDeliverGrant` local activity. Defaults to false. */
  grantsByLocalActivity?: boolean;
}

/** Starts the mutex workflow of `resourceId` on `taskQueue`; it completes after 10 idle minutes. */
export function startMutex(
  client: Client,
  taskQueue: string,
  resourceId: string,
  { maxHistoryEvents, workflowTaskTimeout, grantsByLocalActivity }: StartMutexOptions = {},
) {
  return client.workflow.start(mutexWorkflow, {
    workflowId: mutexWorkflowId(resourceId),
    taskQueue,
    args: [{ resourceId, idleTimeoutMs: 600_000, maxHistoryEvents, grantsByLocalActivity }],
    workflowTaskTimeout,
  });
}
