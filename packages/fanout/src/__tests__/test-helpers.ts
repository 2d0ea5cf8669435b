// Helpers for this package's tests against a real server (not part of the published entries).
import type { Client, WorkflowHandle } from '@temporalio/client';
import { pollUntil } from '@temporal-patterns/temporal-harness/testing';
import { getFanoutProgress, type FanoutProgress } from '../client.js';

/** Names of the signals a workflow received, in order. */
export async function signalsReceived(client: Client, workflowId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).flatMap((e) =>
    e.workflowExecutionSignaledEventAttributes?.signalName
      ? [e.workflowExecutionSignaledEventAttributes.signalName]
      : [],
  );
}

/** A workflow's status name (`RUNNING`, `COMPLETED`, …); throws while it does not exist. */
export async function statusOf(client: Client, workflowId: string): Promise<string> {
  return (await client.workflow.getHandle(workflowId).describe()).status.name;
}

/** Waits until a workflow exists and runs (a child started ahead of the window, say). */
export async function runningNow(client: Client, workflowId: string): Promise<void> {
  await pollUntil(async () => (await statusOf(client, workflowId)) === 'RUNNING', {
    what: `${workflowId} to run`,
  });
}

/** How a workflow closed. The parent does not wait for its children to close, so this waits for it. */
export function closedStatusOf(client: Client, workflowId: string): Promise<string> {
  return pollUntil(
    async () => {
      const status = await statusOf(client, workflowId);
      return status !== 'RUNNING' && status;
    },
    { what: `${workflowId} to close` },
  );
}

/** The fan-out's progress, once `ok` holds for it. */
export function progressWhen(
  handle: WorkflowHandle,
  ok: (progress: FanoutProgress) => boolean,
  what: string,
): Promise<FanoutProgress> {
  return pollUntil(
    async () => {
      const progress = await getFanoutProgress(handle);
      return ok(progress) && progress;
    },
    { what: `fan-out progress: ${what}` },
  );
}
