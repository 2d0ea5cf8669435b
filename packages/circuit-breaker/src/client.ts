// Client entry: code for workers, activities and clients. Never imported by workflow code.
import type { Client } from '@temporalio/client';
import { circuitBreakerPingSignal, circuitBreakerPingWorkflow } from './ping-workflow.js';

/** Starts a ping workflow, pings it and returns what it answered. */
export async function pingCircuitBreaker(
  client: Client,
  options: { taskQueue: string; workflowId: string; text: string },
): Promise<string | undefined> {
  const handle = await client.workflow.start(circuitBreakerPingWorkflow, {
    taskQueue: options.taskQueue,
    workflowId: options.workflowId,
    args: [30_000],
  });
  await handle.signal(circuitBreakerPingSignal, options.text);
  return handle.result();
}
