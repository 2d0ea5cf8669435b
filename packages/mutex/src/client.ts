// Client entry: code for workers, activities and clients. Never imported by workflow code.
import type { Client } from '@temporalio/client';
import { mutexPingSignal, mutexPingWorkflow } from './ping-workflow.js';

/** Starts a ping workflow, pings it and returns what it answered. */
export async function pingMutex(
  client: Client,
  options: { taskQueue: string; workflowId: string; text: string },
): Promise<string | undefined> {
  const handle = await client.workflow.start(mutexPingWorkflow, {
    taskQueue: options.taskQueue,
    workflowId: options.workflowId,
    args: [30_000],
  });
  await handle.signal(mutexPingSignal, options.text);
  return handle.result();
}
