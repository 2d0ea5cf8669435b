import { ApplicationFailure } from '@temporalio/common';
import { getExternalWorkflowHandle, type SignalDefinition } from '@temporalio/workflow';
import { ExternalWorkflowNotFoundError, SignalDeliveryError } from './errors.js';
import { isRunId } from './parse.js';
import { assertPayloadSize, DEFAULT_MAX_PAYLOAD_BYTES } from './payload-guard.js';
import type { TypedSignal } from './typed-signal.js';

/** Another workflow, by id; with a run id to pin one run (leave it out to reach the latest run). */
export interface WorkflowTarget {
  workflowId: string;
  runId?: string;
}

export interface SignalWorkflowOptions {
  /** Refuse payloads larger than this before sending. Defaults to 256 KiB. */
  maxPayloadBytes?: number;
}

const MAX_ID_LENGTH = 1000;

function isTypedSignal<T>(signal: TypedSignal<T> | SignalDefinition<[T]>): signal is TypedSignal<T> {
  return 'definition' in signal;
}

/** True for the failure the SDK reports when a signal's target does not exist or has closed. */
export function isExternalWorkflowNotFound(err: unknown): boolean {
  return (
    err instanceof ApplicationFailure &&
    (err.type === 'ExternalWorkflowExecutionNotFound' ||
      err.type === 'NamespaceNotFound' ||
      /not found/i.test(err.message))
  );
}

/**
 * Signals another workflow from inside a workflow and resolves once the server accepted the signal.
 *
 * A typed signal's payload is validated and size-checked before anything is sent. Rejects with
 * `ExternalWorkflowNotFoundError` when the target does not exist or has already closed, and with
 * `SignalDeliveryError` for any other failure (e.g. the per-run signal limit).
 *
 * @example
 * await signalWorkflow('order-42', orderApproved, { orderId: '42', sender: workflowInfo().workflowId });
 */
export async function signalWorkflow<T>(
  target: string | WorkflowTarget,
  signal: TypedSignal<T> | SignalDefinition<[T]>,
  payload: T,
  options: SignalWorkflowOptions = {},
): Promise<void> {
  const { workflowId, runId } =
    typeof target === 'string' ? { workflowId: target, runId: undefined } : target;
  const definition = isTypedSignal(signal) ? signal.definition : signal;
  if (isTypedSignal(signal)) signal.parse(payload);
  assertPayloadSize(
    payload,
    `signal "${definition.name}" to ${workflowId}`,
    options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES,
  );
  // The server rejects such a command by failing the workflow task, which would wedge the sender:
  // refuse it here, as a typed error the caller can handle.
  if (!workflowId || workflowId.length > MAX_ID_LENGTH) {
    throw new SignalDeliveryError(String(workflowId), definition.name, new Error('invalid workflow id'));
  }
  if (runId !== undefined && !isRunId(runId)) {
    throw new SignalDeliveryError(workflowId, definition.name, new Error(`invalid run id "${runId}"`));
  }
  try {
    await getExternalWorkflowHandle(workflowId, runId).signal(definition, payload);
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    if (isExternalWorkflowNotFound(err)) {
      throw new ExternalWorkflowNotFoundError(workflowId, runId, definition.name, error);
    }
    throw new SignalDeliveryError(workflowId, definition.name, error);
  }
}
