// Client entry: code for workers, activities and clients. Never imported by workflow code.
import type { Client } from '@temporalio/client';
import { pipelinePingSignal, pipelinePingWorkflow } from './ping-workflow.js';

/** Starts a ping workflow, pings it and returns what it answered. */
export async function pingPipeline(
  client: Client,
  options: { taskQueue: string; workflowId: string; text: string },
): Promise<string | undefined> {
  const handle = await client.workflow.start(pipelinePingWorkflow, {
    taskQueue: options.taskQueue,
    workflowId: options.workflowId,
    args: [30_000],
  });
  await handle.signal(pipelinePingSignal, options.text);
  return handle.result();
}
