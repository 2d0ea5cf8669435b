// Client entry: for workers, activities and applications. Never import it from workflow code.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ExternalWorkflowNotFoundError } from './errors.js';
import { assertPayloadSize, DEFAULT_MAX_PAYLOAD_BYTES } from './payload-guard.js';
import type { WorkflowTarget } from './signal-workflow.js';
import type { TypedSignal } from './typed-signal.js';

export * from './index.js';

/**
 * Sends a typed signal from a client: validates and size-checks the payload first, and turns "no such
 * workflow" (absent or closed) into `ExternalWorkflowNotFoundError`.
 *
 * @example
 * await sendSignal(client, 'order-42', orderApproved, { orderId: '42', sender: 'billing-api' });
 */
export async function sendSignal<T>(
  client: Client,
  target: string | WorkflowTarget,
  signal: TypedSignal<T>,
  payload: T,
  options: { maxPayloadBytes?: number } = {},
): Promise<void> {
  const { workflowId, runId } =
    typeof target === 'string' ? { workflowId: target, runId: undefined } : target;
  signal.parse(payload);
  assertPayloadSize(
    payload,
    `signal "${signal.name}" to ${workflowId}`,
    options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES,
  );
  try {
    await client.workflow.getHandle(workflowId, runId).signal(signal.definition, payload);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      throw new ExternalWorkflowNotFoundError(workflowId, runId, signal.name, err);
    }
    throw err;
  }
}

/** Input of the signal-with-start activity. */
export interface SignalWithStartInput {
  /** Workflow type to start when no run with `workflowId` is open. */
  workflowType: string;
  workflowId: string;
  taskQueue: string;
  /** Arguments for a started workflow. */
  args?: unknown[];
  signalName: string;
  signalArgs: unknown[];
}

/**
 * Activities that do from a workflow what workflow code cannot: signal-with-start (signal a workflow,
 * starting it first if it is not running). Register them on the worker:
 * `activities: { ...createSignalActivities(client) }`.
 */
export function createSignalActivities(client: Client) {
  return {
    /** Signals `workflowId`, starting it first when no run is open; returns the run id signalled. */
    async signalUtilsSignalWithStart(input: SignalWithStartInput): Promise<{ runId: string }> {
      const handle = await client.workflow.signalWithStart(input.workflowType, {
        workflowId: input.workflowId,
        taskQueue: input.taskQueue,
        args: input.args ?? [],
        signal: input.signalName,
        signalArgs: input.signalArgs,
      });
      return { runId: handle.signaledRunId };
    },
  };
}
