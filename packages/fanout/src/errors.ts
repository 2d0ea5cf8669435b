import { ApplicationFailure } from '@temporalio/common';

// Each error is an ApplicationFailure with `type` equal to its class name, so it crosses workflow
// boundaries recognisably and, thrown from a workflow, fails it instead of retrying its task forever.

/** The fan-out's options are invalid (empty `childWorkflowType`, window below 1, quorum above the count…). */
export class InvalidFanoutInputError extends ApplicationFailure {
  override readonly name = 'InvalidFanoutInputError';
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`Invalid fan-out input "${field}": ${reason}`, 'InvalidFanoutInputError', true, [
      { field, reason },
    ]);
  }
}

/** Thrown by a child's `runFanoutChild` after it reported its failure, so the child run shows as failed. */
export class FanoutChildFailedError extends ApplicationFailure {
  override readonly name = 'FanoutChildFailedError';
  constructor(
    readonly parentWorkflowId: string,
    readonly childId: string,
    readonly index: number,
    readonly reason: string,
  ) {
    super(
      `Fan-out child ${childId} (index ${index} of ${parentWorkflowId}) failed: ${reason}`,
      'FanoutChildFailedError',
      true,
      [{ parentWorkflowId, childId, index, reason }],
    );
  }
}

/** The message of a thrown value, for logs and outcomes. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
